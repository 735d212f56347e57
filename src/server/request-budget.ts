/**
 * One request's budget (HTTP, or one WebSocket query or mutation): a deadline
 * (REQUEST_TIMEOUT_MS, counted from the request's arrival, so authentication is inside it),
 * the client staying connected, and the bytes its response may hold (MAX_RESPONSE_BYTES).
 * A middleware on every field stops resolving, and with it the database work, once any of
 * them is spent.
 *
 * Mutations are never cut off half way. A mutation field is not raced against the
 * deadline: it either stops itself before its first write (`commit()` throws TIMEOUT when
 * the deadline has passed) or it runs to the end, and from then on the request is
 * committed: the deadline no longer turns its answer into an error, because a client told
 * "timed out, send it again" would repeat work that was done.
 */
import { setMaxListeners } from 'node:events';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';

export class RequestBudget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private bytes = 0;
  private expired = false;
  private committedAt: number | null = null;
  /** Set when the response grew past its limit: the whole answer becomes one error. */
  tooLarge = false;
  /** When the deadline passes (ms since the epoch). */
  readonly deadlineAt: number;

  /** @param startedAt when the request arrived; its deadline counts from there. */
  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
    startedAt = Date.now(),
  ) {
    // Every field resolving at once waits on this signal: many listeners are expected.
    setMaxListeners(0, this.controller.signal);
    this.deadlineAt = startedAt + timeoutMs;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(timeoutError(timeoutMs));
    }, Math.max(0, this.deadlineAt - Date.now()));
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether a mutation of this request has written (or finished): its answer must be given. */
  get isCommitted(): boolean {
    return this.committedAt !== null;
  }

  /** Milliseconds left before the deadline (0 once it has passed): a database query's maxTimeMS. */
  remainingMs(): number {
    return this.expired ? 0 : Math.max(0, this.deadlineAt - Date.now());
  }

  /**
   * A mutation's point of no return, called right before its first write: throws TIMEOUT
   * (or the client's leaving) if the request may do no more, else marks it committed.
   */
  commit(): void {
    if (this.committedAt !== null) return;
    this.throwIfStopped();
    this.committedAt = Date.now();
  }

  /** A mutation field finished: whatever it did is done, and its answer is owed. */
  settle(): void {
    this.committedAt ??= Date.now();
  }

  /** The client went away: nothing will read the answer, so stop working on it. */
  abandon(): void {
    this.controller.abort(new GraphQLError('the client closed the request'));
  }

  finish(): void {
    clearTimeout(this.timer);
  }

  /** Counts a resolved value's size; past the limit every further field is refused. */
  charge(value: unknown): void {
    if (typeof value === 'string') this.bytes += value.length;
    else if (typeof value === 'object' && value !== null && !(value instanceof Date) && !Array.isArray(value) && isPlainJson(value)) this.bytes += jsonSize(value);
    if (this.bytes > this.maxBytes) this.tooLarge = true;
  }

  tooLargeError(): GraphQLError {
    return responseTooLargeError(this.maxBytes);
  }

  /**
   * Throws the reason this request may do no more work, if there is one. Once committed
   * the deadline no longer applies: what is left is answering about work that was done.
   */
  check(): void {
    if (this.tooLarge) throw responseTooLargeError(this.maxBytes);
    if (this.committedAt !== null && this.expired) return;
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }

  /** Waits for `work` (authentication, a rate limit) but no longer than the deadline. */
  within<T>(work: Promise<T>): Promise<T> {
    return raceAbort(work, this.signal);
  }

  private throwIfStopped(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
    // The timer may not have fired yet on a busy event loop; the clock decides.
    if (Date.now() >= this.deadlineAt) {
      this.expired = true;
      throw timeoutError(this.timeoutMs);
    }
  }
}

/** JSON scalars (input, result, metadata, outputs) are plain objects; typed objects are counted by their fields. */
function isPlainJson(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function jsonSize(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** TIMEOUT: nothing was changed by the part that was stopped, so sending it again is safe; no Retry-After. */
export function timeoutError(timeoutMs: number): GraphQLError {
  return new GraphQLError(`the request took longer than REQUEST_TIMEOUT_MS=${timeoutMs} and was stopped before it changed anything; ask for less (smaller pages, fewer fields) or send it again`, {
    extensions: { code: ErrorCode.TIMEOUT, reason: 'REQUEST_TIMEOUT', limit: { name: 'REQUEST_TIMEOUT_MS', value: timeoutMs } },
  });
}

export function responseTooLargeError(maxBytes: number): GraphQLError {
  return new GraphQLError(`the response is larger than MAX_RESPONSE_BYTES=${maxBytes}; ask for fewer jobs at once, or large fields (input, result) one job at a time`, {
    extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE, limit: { name: 'MAX_RESPONSE_BYTES', value: maxBytes } },
  });
}

const isMutationRoot = (info: GraphQLResolveInfo | undefined): boolean => info !== undefined && info.parentType === info.schema.getMutationType();

/**
 * Checks the budget before each field and charges its value after. A query field still
 * waiting when the deadline passes is answered with TIMEOUT at once; a mutation field is
 * waited for (see the top of this file).
 */
export const requestBudgetMiddleware: MiddlewareFn<GraphQLContext> = async ({ context, info }, next) => {
  const budget = context.request;
  if (!(budget instanceof RequestBudget)) return next();
  if (isMutationRoot(info)) {
    // A further mutation field of the same request starts only within the deadline.
    if (budget.tooLarge) throw budget.tooLargeError();
    if (budget.signal.aborted) throw budget.signal.reason;
    try {
      const value = await next();
      budget.charge(value);
      return value;
    } finally {
      // Finished or failed, it is over: its answer (result or its own error) is what the client gets.
      budget.settle();
    }
  }
  budget.check();
  const value = budget.isCommitted ? await next() : await raceAbort(next(), budget.signal);
  budget.charge(value);
  return value;
};

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
