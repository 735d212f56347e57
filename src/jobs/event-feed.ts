/**
 * The one reader of new job events per API process, fanning them out to every open
 * subscription of that process (never a database cursor per subscriber).
 *
 * `start()` picks the source: a MongoDB change stream where the server supports one,
 * else polling (FerretDB). Subscribers register with a filter and read an async iterator
 * with a bounded buffer; one that falls more than `subscriberBuffer` events behind is
 * ended with a RATE_LIMITED error instead of holding up the others. Dispatch costs
 * O(matching subscribers) per event: subscriptions are indexed by jobId, batchId or
 * tenantId. `stop()` completes every open iterator (after what it has buffered).
 */
import type { Db } from 'mongodb';
import { supportsChangeStreams } from '../db/client.js';
import type { JobEventDoc } from '../db/job-docs.js';
import { JobEventsRepository } from '../db/job-events.repository.js';
import { AppError, ErrorCode } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { ChangeStreamEventSource } from './event-sources/change-stream-event-source.js';
import type { EventSource, EventSourceKind } from './event-sources/event-source.js';
import { PollingEventSource } from './event-sources/polling-event-source.js';

/** Which events a subscription receives: all given fields must match (none: every event). */
export interface EventFilter {
  jobId?: string;
  tenantId?: string;
  batchId?: string;
}

export interface SubscribeOptions {
  /** Events held for this subscriber before it is ended as too slow. @defaultValue the feed's `subscriberBuffer` */
  buffer?: number;
}

export interface EventFeedOptions {
  db: Db;
  logger: Logger;
  /** The repository of `job_events` on `db`. @defaultValue a new one on `db` */
  events?: JobEventsRepository;
  /** Polling interval where change streams are absent, in ms (config.events.pollMs). */
  pollMs: number;
  /** Default per-subscriber buffer, in events (config.events.subscriberBuffer). */
  subscriberBuffer: number;
  /** How far back each poll reads again (see PollingEventSource). @defaultValue 5000 ms */
  overlapMs?: number;
  /** Force a source instead of detecting it at start. @defaultValue 'auto' */
  source?: EventSourceKind | 'auto';
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

  /** Whether the subscription still receives events. */
  get open(): boolean {
    return this.state === 'open';
  }

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
    if (this.buffered >= this.capacity) return this.fail(new SubscriberOverflowError(this.capacity));
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

export class EventFeed {
  readonly events: JobEventsRepository;
  private readonly byJob = new Map<string, Set<EventSubscription>>();
  private readonly byBatch = new Map<string, Set<EventSubscription>>();
  private readonly byTenant = new Map<string, Set<EventSubscription>>();
  private readonly unfiltered = new Set<EventSubscription>();
  private activeSource: EventSource | null = null;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private count = 0;
  private dispatched = 0;

  constructor(private readonly opts: EventFeedOptions) {
    this.events = opts.events ?? new JobEventsRepository(opts.db);
    if (!Number.isInteger(opts.subscriberBuffer) || opts.subscriberBuffer < 1) {
      throw new Error(`subscriberBuffer must be a positive integer, got ${opts.subscriberBuffer}`);
    }
  }

  /** The source in use once started: 'change-stream' or 'polling'. */
  get source(): EventSourceKind | null {
    return this.activeSource?.kind ?? null;
  }

  /** Open subscriptions. */
  get subscriberCount(): number {
    return this.count;
  }

  /** Events read from the source so far. */
  get eventsDispatched(): number {
    return this.dispatched;
  }

  /** Detects and starts the source; logs which one it uses. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`event feed cannot start: it is ${this.state}`);
    this.state = 'starting';
    const { logger } = this.opts;
    const wanted = this.opts.source ?? 'auto';
    const useChangeStream = wanted === 'change-stream' || (wanted === 'auto' && (await supportsChangeStreams(this.opts.db)));
    let source: EventSource = useChangeStream
      ? new ChangeStreamEventSource({ collection: this.events.collection, logger })
      : this.pollingSource();
    try {
      await source.start((e) => this.dispatch(e));
    } catch (err) {
      if (source.kind !== 'change-stream' || wanted === 'change-stream') throw err;
      logger.warn({ err }, 'job event change stream could not be opened; polling instead');
      source = this.pollingSource();
      await source.start((e) => this.dispatch(e));
    }
    this.activeSource = source;
    if (this.state !== 'starting') {
      // stop() was called while starting.
      await source.stop();
      return;
    }
    this.state = 'running';
    logger.info(
      source.kind === 'polling' ? { source: source.kind, pollMs: this.opts.pollMs } : { source: source.kind },
      `job event feed started (${source.kind === 'polling' ? 'polling job_events' : 'change stream on job_events'})`,
    );
  }

  /**
   * Registers a subscriber. Subscribing before `start()` is fine; after `stop()` the
   * subscription is already complete.
   */
  subscribe(filter: EventFilter = {}, options: SubscribeOptions = {}): EventSubscription {
    const capacity = options.buffer ?? this.opts.subscriberBuffer;
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`buffer must be a positive integer, got ${capacity}`);
    const f: EventFilter = {};
    if (filter.jobId !== undefined) f.jobId = filter.jobId;
    if (filter.tenantId !== undefined) f.tenantId = filter.tenantId;
    if (filter.batchId !== undefined) f.batchId = filter.batchId;
    const sub = new EventSubscription(Object.freeze(f), capacity, (s) => this.remove(s));
    if (this.state === 'stopped') {
      sub.end();
      return sub;
    }
    const [index, key] = this.indexOf(f);
    if (index && key !== undefined) {
      let set = index.get(key);
      if (!set) index.set(key, (set = new Set()));
      set.add(sub);
    } else this.unfiltered.add(sub);
    this.count++;
    return sub;
  }

  /** Stops the source and completes every open subscription. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.activeSource?.stop();
    const all = [...this.unfiltered];
    for (const index of [this.byJob, this.byBatch, this.byTenant]) for (const set of index.values()) all.push(...set);
    for (const sub of all) sub.end();
    this.opts.logger.info({ dispatched: this.dispatched }, 'job event feed stopped');
  }

  /** Hands one event to every matching subscription. */
  private dispatch(event: JobEventDoc): void {
    this.dispatched++;
    let delivered = 0;
    const deliver = (set: Set<EventSubscription> | undefined): void => {
      if (!set) return;
      for (const sub of set) {
        if (!sub.matches(event)) continue;
        sub.push(event);
        delivered++;
      }
    };
    deliver(this.byJob.get(event.jobId));
    if (event.batchId !== null) deliver(this.byBatch.get(event.batchId));
    deliver(this.byTenant.get(event.tenantId));
    deliver(this.unfiltered);
    const { logger } = this.opts;
    if (logger.isLevelEnabled('debug')) {
      const dispatchedAt = new Date();
      logger.debug(
        {
          eventId: event._id,
          jobId: event.jobId,
          sequence: event.sequence,
          type: event.type,
          at: event.at.toISOString(),
          dispatchedAt: dispatchedAt.toISOString(),
          latencyMs: dispatchedAt.getTime() - event.at.getTime(),
          subscribers: delivered,
        },
        'job event dispatched',
      );
    }
  }

  private pollingSource(): PollingEventSource {
    return new PollingEventSource({
      events: this.events,
      logger: this.opts.logger,
      pollMs: this.opts.pollMs,
      ...(this.opts.overlapMs !== undefined ? { overlapMs: this.opts.overlapMs } : {}),
    });
  }

  /** The most selective index for a filter: jobId, then batchId, then tenantId. */
  private indexOf(f: EventFilter): [Map<string, Set<EventSubscription>> | null, string | undefined] {
    if (f.jobId !== undefined) return [this.byJob, f.jobId];
    if (f.batchId !== undefined) return [this.byBatch, f.batchId];
    if (f.tenantId !== undefined) return [this.byTenant, f.tenantId];
    return [null, undefined];
  }

  private remove(sub: EventSubscription): void {
    const [index, key] = this.indexOf(sub.filter);
    let removed: boolean;
    if (index && key !== undefined) {
      const set = index.get(key);
      removed = set?.delete(sub) ?? false;
      if (set && set.size === 0) index.delete(key);
    } else removed = this.unfiltered.delete(sub);
    if (removed) this.count--;
  }
}
