/**
 * One HTTP request's budget: a deadline (REQUEST_TIMEOUT_MS), the client staying connected,
 * and the bytes its response may hold (MAX_RESPONSE_BYTES). A middleware on every field
 * stops resolving, and with it the database work, once any of them is spent.
 */
import { setMaxListeners } from 'node:events';
import { GraphQLError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';

export class RequestBudget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private bytes = 0;
  /** Set when the response grew past its limit: the whole answer becomes one error. */
  tooLarge = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {
    // Every field resolving at once waits on this signal: many listeners are expected.
    setMaxListeners(0, this.controller.signal);
    this.timer = setTimeout(() => this.controller.abort(timeoutError(timeoutMs)), timeoutMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
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

  /** Throws the reason this request may do no more work, if there is one. */
  check(): void {
    if (this.tooLarge) throw responseTooLargeError(this.maxBytes);
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
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

export function timeoutError(timeoutMs: number): GraphQLError {
  return new GraphQLError(`the request took longer than REQUEST_TIMEOUT_MS=${timeoutMs} and was stopped; ask for less (smaller pages, fewer fields)`, {
    extensions: { code: ErrorCode.RATE_LIMITED, reason: 'REQUEST_TIMEOUT', retryAfter: 1, limit: { name: 'REQUEST_TIMEOUT_MS', value: timeoutMs } },
  });
}

export function responseTooLargeError(maxBytes: number): GraphQLError {
  return new GraphQLError(`the response is larger than MAX_RESPONSE_BYTES=${maxBytes}; ask for fewer jobs at once, or large fields (input, result) one job at a time`, {
    extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE, limit: { name: 'MAX_RESPONSE_BYTES', value: maxBytes } },
  });
}

/**
 * Checks the budget before each field and charges its value after. A resolver that is
 * still waiting when the deadline passes is answered with the timeout at once.
 */
export const requestBudgetMiddleware: MiddlewareFn<GraphQLContext> = async ({ context }, next) => {
  const budget = context.request as RequestBudget | undefined;
  if (!budget) return next();
  budget.check();
  const value = await raceAbort(next(), budget.signal);
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
