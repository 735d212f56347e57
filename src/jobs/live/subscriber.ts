/**
 * One subscriber's side of the EventFeed: a bounded buffer read as an async iterator.
 * A subscriber that falls more than its capacity behind is ended with RATE_LIMITED
 * rather than slowing the feed for everyone else.
 */
import type { JobEventDoc } from '../../db/jobs/index.js';
import { slowConsumersDropped } from '../../metrics/metrics.js';
import { AppError, ErrorCode } from '../../errors/index.js';

/** Which events a subscription receives: all given fields must match (none: every event). */
export interface EventFilter {
  jobId?: string;
  tenantId?: string;
  batchId?: string;
}

/** A subscriber's buffer overflowed: it was ended so that it does not slow the others. */
export class SubscriberOverflowError extends AppError {
  constructor(readonly buffer: number) {
    super(
      ErrorCode.RATE_LIMITED,
      `the subscription fell behind (more than ${buffer} events waiting) and was ended; ` +
        'subscribe again (with afterSequence for jobEvents) to resume',
    );
  }
}

type Waiter = {
  resolve: (r: IteratorResult<JobEventDoc, undefined>) => void;
  reject: (err: Error) => void;
};
const DONE: IteratorResult<JobEventDoc, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber's view of the feed: an async iterator of matching events. `close()` (or
 * `return()`, which `for await` and graphql-js call) ends it at once and unregisters it.
 */
export class EventSubscription implements AsyncIterableIterator<JobEventDoc, undefined> {
  private queue: JobEventDoc[] = [];
  private head = 0;
  private waiters: Waiter[] = [];
  /** open: receiving; ending: drains its buffer, then done; done: nothing more. */
  private state: 'open' | 'ending' | 'done' = 'open';
  private failure: Error | null = null;

  constructor(
    readonly filter: Readonly<EventFilter>,
    readonly capacity: number,
    private readonly unregister: (s: EventSubscription) => void,
  ) {}

  /** Events received and not read yet. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  matches(e: JobEventDoc): boolean {
    const f = this.filter;
    return (
      (f.jobId === undefined || f.jobId === e.jobId) &&
      (f.tenantId === undefined || f.tenantId === e.tenantId) &&
      (f.batchId === undefined || f.batchId === e.batchId)
    );
  }

  /** Called by the feed. Never blocks: a full buffer ends this subscription with an error. */
  push(e: JobEventDoc): void {
    if (this.state !== 'open') return;
    const waiter = this.waiters.shift();
    if (waiter) return waiter.resolve({ done: false, value: e });
    if (this.buffered >= this.capacity) {
      slowConsumersDropped.inc();
      return this.fail(new SubscriberOverflowError(this.capacity));
    }
    this.queue.push(e);
  }

  /** Ends after the buffered events have been read (the feed is stopping). */
  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    this.unregister(this);
    if (this.buffered === 0) this.finish();
  }

  /** Ends at once: buffered events are dropped and the next read rejects with `err`. */
  fail(err: Error): void {
    if (this.state === 'done') return;
    this.failure = err;
    this.finish();
  }

  /** Ends at once, dropping buffered events. Idempotent. */
  close(): void {
    this.finish();
  }

  next(): Promise<IteratorResult<JobEventDoc, undefined>> {
    if (this.buffered > 0) {
      const value = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as JobEventDoc;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.state === 'ending' && this.buffered === 0) this.finish();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      return Promise.reject(err);
    }
    if (this.state === 'done') return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<JobEventDoc, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    const wasOpen = this.state === 'open';
    this.state = 'done';
    this.queue = [];
    this.head = 0;
    if (wasOpen) this.unregister(this);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) {
        w.reject(this.failure);
        this.failure = null;
      } else w.resolve(DONE);
    }
  }
}
