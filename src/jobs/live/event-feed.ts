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
import { eventFeedLagSeconds } from '../../metrics/metrics.js';
import { supportsChangeStreams } from '../../db/client.js';
import { type JobEventDoc, JobEventsRepository } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';
import { ChangeStreamEventSource } from './event-sources/change-stream.js';
import type { EventSource, EventSourceKind } from './event-sources/event-source.js';
import { PollingEventSource } from './event-sources/polling.js';
import { EventSubscription, type EventFilter } from './subscriber.js';

export { EventSubscription, SubscriberOverflowError, type EventFilter } from './subscriber.js';

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
  /** While polling, how often an idle poller checks the feed for a trim past it (see PollingEventSource). @defaultValue 2000 ms */
  checkMs?: number;
  /** Force a source instead of detecting it at start. @defaultValue 'auto' */
  source?: EventSourceKind | 'auto';
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
      if (source.kind === 'polling') await this.events.feed.ensureCollection();
      await source.start((e) => this.dispatch(e));
    } catch (err) {
      if (source.kind !== 'change-stream' || wanted === 'change-stream') throw err;
      logger.warn({ err }, 'job event change stream could not be opened; polling instead');
      source = this.pollingSource();
      await this.events.feed.ensureCollection();
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
      `job event feed started (${source.kind === 'polling' ? 'polling job_event_feed' : 'change stream on job_events'})`,
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
    // Subscribers that open next replay from the store: this event is then read from memory.
    this.events.remember(event);
    eventFeedLagSeconds.observe(Math.max(0, Date.now() - event.at.getTime()) / 1000);
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
      feed: this.events.feed,
      logger: this.opts.logger,
      pollMs: this.opts.pollMs,
      ...(this.opts.checkMs !== undefined ? { checkMs: this.opts.checkMs } : {}),
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
