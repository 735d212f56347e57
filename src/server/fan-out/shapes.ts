/**
 * The payloads of the subscriptions open in this process, built once per shape: an item
 * (a job event, a batch view) is executed against the shape's selection and serialised
 * the first time one of the shape's subscriptions sends it; the others send those bytes.
 *
 * A payload is reused for `reuseMs` after it was built: long enough for one item's whole
 * fan-out, short enough that a subscription replaying old items later sees `JobEvent.job`
 * as it stands then, not as it stood when another subscription sent the same event.
 *
 * Each build has what a query has: a deadline (REQUEST_TIMEOUT_MS) and the response budget
 * (MAX_RESPONSE_BYTES: a payload past it becomes a PAYLOAD_TOO_LARGE error), and its errors
 * leave formatted with the contract's codes.
 */
import { execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Counter } from 'prom-client';
import type { PositionedStream } from '../../jobs/index.js';
import { subscriptionFramesSent, subscriptionPayloadsBuilt } from '../../metrics/metrics.js';
import type { GraphQLContext } from '../../resolvers/context.js';
import type { ErrorFormatter } from '../format-error.js';
import { RequestBudget, responseTooLargeError } from '../request-budget.js';
import { LiveGroup } from './live-group.js';
import type { SubscriptionShape } from './subscription-shape.js';

export interface ShapeSettings {
  formatError: ErrorFormatter;
  /** MAX_RESPONSE_BYTES. */
  maxResponseBytes: number;
  /** REQUEST_TIMEOUT_MS: the limit of one build. */
  requestTimeoutMs: number;
  /** How long a built payload serves later sends of the same item. @defaultValue 1000 ms */
  reuseMs?: number;
}

type Built = { at: number; payload: Promise<Buffer> };

/** One shape: the execution arguments of its first subscription and its recent payloads. */
export class Shape {
  /** Open subscriptions of this shape. */
  refs = 0;
  /** The shape's shared stream and its caught-up subscriptions, while there is one (positioned sources only). */
  liveGroup: LiveGroup | undefined;
  /** Counts this shape's frames (a label bound once). */
  readonly framesSent: Counter.Internal;
  private readonly built: Counter.Internal;
  private readonly recent = new WeakMap<object, Built>();

  constructor(
    readonly field: string,
    private readonly args: ExecutionArgs,
    private readonly settings: ShapeSettings,
    /** Told of each subscription that releases the shape. */
    private readonly released: () => void,
    /** Told when the last one did. */
    private readonly forget: (shape: Shape) => void = () => {},
  ) {
    this.framesSent = subscriptionFramesSent.labels(field);
    this.built = subscriptionPayloadsBuilt.labels(field);
  }

  /** The `next` payload of `item` (JSON of `{ data, errors? }`), built or reused. */
  payload(item: unknown): Promise<Buffer> {
    if (typeof item !== 'object' || item === null) return this.build(item);
    const now = Date.now();
    const hit = this.recent.get(item);
    if (hit && now - hit.at <= (this.settings.reuseMs ?? 1_000)) return hit.payload;
    const payload = this.build(item);
    this.recent.set(item, { at: now, payload });
    return payload;
  }

  /** Makes `stream` (standing at `position`, if it gave items) the shape's shared stream. */
  startGroup(stream: PositionedStream<unknown>, position: number | undefined): LiveGroup {
    const group = new LiveGroup(stream, this, position, (ended) => {
      if (this.liveGroup === ended) this.liveGroup = undefined;
    });
    this.liveGroup = group;
    return group;
  }

  /** A subscription of this shape ended. */
  release(): void {
    this.released();
    if (--this.refs === 0) this.forget(this);
  }

  private async build(item: unknown): Promise<Buffer> {
    const { maxResponseBytes, requestTimeoutMs, formatError } = this.settings;
    const budget = new RequestBudget(requestTimeoutMs, maxResponseBytes);
    try {
      const contextValue: GraphQLContext = { ...(this.args.contextValue as GraphQLContext), request: budget };
      const result = await execute({ ...this.args, rootValue: item, contextValue });
      this.built.inc();
      return Buffer.from(payloadJson(result, budget, formatError, maxResponseBytes));
    } finally {
      budget.finish();
    }
  }
}

/** What graphql-ws would send as the payload, with formatted errors, within the size limit. */
export function payloadJson(result: ExecutionResult, budget: RequestBudget, formatError: ErrorFormatter, maxBytes: number): string {
  const tooLarge = () => JSON.stringify({ data: null, errors: [responseTooLargeError(maxBytes).toJSON()] });
  if (budget.tooLarge) return tooLarge();
  const formatted = result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result;
  const json = JSON.stringify(formatted);
  return Buffer.byteLength(json) <= maxBytes ? json : tooLarge();
}

/** The shapes in use, by key; a subscription without a shape gets one of its own. */
export class Shapes {
  private readonly byKey = new Map<string, Shape>();
  private open = 0;

  constructor(private readonly settings: ShapeSettings) {}

  /** Subscriptions holding a shape. */
  get subscriptions(): number {
    return this.open;
  }

  /** The shape a new subscription joins; `release()` it when the subscription ends. */
  acquire(shape: SubscriptionShape | null, args: ExecutionArgs): Shape {
    this.open++;
    const released = () => this.open--;
    if (!shape) {
      const own = new Shape('unshared', args, this.settings, released);
      own.refs++;
      return own;
    }
    let found = this.byKey.get(shape.key);
    if (!found) {
      found = new Shape(shape.field, args, this.settings, released, (s) => this.byKey.get(shape.key) === s && this.byKey.delete(shape.key));
      this.byKey.set(shape.key, found);
    }
    found.refs++;
    return found;
  }
}
