/**
 * The live views behind the GraphQL subscriptions, built on the process's one EventFeed.
 * Ownership is checked before anything is streamed: another tenant's job or batch is
 * NOT_FOUND, exactly like a missing one.
 *
 * At debug level each item is logged as it is handed on for sending ('job event sent',
 * 'batch progress sent'), with the event's write time `at`, the send time `sentAt` and
 * the difference: with the feed's 'job event dispatched' line, enough to measure latency.
 *
 * Store reads are shared across the subscribers of a process: a job's owner is looked up
 * once (it never changes; kept `OWNER_TTL_MS`), and a batch view read after a status change
 * serves every batchProgress subscriber that received that event.
 */
import type { JobDoc, JobEventDoc, JobEventTypeValue } from '../../db/jobs/index.js';
import { notFound } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';
import { unfinishedCount, type BatchView } from '../lifecycle/index.js';
import type { EventFeed } from './event-feed.js';
import { jobEventStream } from './job-event-stream.js';

/** Event types after which a job's status differs: what moves a batch's counts. */
const STATUS_CHANGES = new Set<JobEventTypeValue>(['QUEUED', 'STARTED', 'RETRY_SCHEDULED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SCHEDULED', 'REVIEW_REQUESTED', 'REVIEWED']);

/** How long a job's owner, once read, answers ownership checks without a read. */
const OWNER_TTL_MS = 60_000;
const MAX_OWNERS = 10_000;

/** What the live views read, scoped to a tenant (the jobs' service; another tenant's job or batch is null). */
export interface LiveReads {
  getJob(tenantId: string, id: string): Promise<JobDoc | null>;
  getBatch(tenantId: string, id: string): Promise<BatchView | null>;
}

export class LiveJobs {
  /** jobId → the tenant that owns it and when that was read; least recently read dropped first. */
  private readonly owners = new Map<string, { tenantId: string; at: number }>();
  /** Ownership reads in flight, by `tenantId/jobId`. */
  private readonly ownerReads = new Map<string, Promise<boolean>>();
  /** Batch view reads in flight, by `tenantId/batchId`, with the tick they started at. */
  private readonly batchReads = new Map<string, { tick: number; promise: Promise<BatchView | null> }>();
  /** The tick at which an event was first handled here: a read started later reflects it. */
  private readonly eventTicks = new WeakMap<JobEventDoc, number>();
  private ticks = 0;

  constructor(
    private readonly jobs: LiveReads,
    private readonly feed: EventFeed,
    private readonly logger?: Logger,
    private readonly opts: { /** See JobEventStreamOptions.idleCheckMs. */ idleCheckMs?: number } = {},
  ) {}

  /** Whether the tenant owns the job: one read per job per OWNER_TTL_MS in this process. */
  private owns(tenantId: string, jobId: string): Promise<boolean> {
    const known = this.owners.get(jobId);
    if (known && Date.now() - known.at < OWNER_TTL_MS) return Promise.resolve(known.tenantId === tenantId);
    const key = `${tenantId}/${jobId}`;
    let read = this.ownerReads.get(key);
    if (!read) {
      read = this.jobs
        .getJob(tenantId, jobId)
        .then((job) => {
          if (!job) return false;
          this.owners.delete(jobId);
          this.owners.set(jobId, { tenantId, at: Date.now() });
          if (this.owners.size > MAX_OWNERS) this.owners.delete(this.owners.keys().next().value!);
          return true;
        })
        .finally(() => this.ownerReads.delete(key));
      this.ownerReads.set(key, read);
    }
    return read;
  }

  /** The batch view as it stands after `event`: shared with a read started after the event was first handled. */
  private batchAfter(tenantId: string, batchId: string, event: JobEventDoc | null): Promise<BatchView | null> {
    let since = event ? this.eventTicks.get(event) : undefined;
    if (event && since === undefined) this.eventTicks.set(event, (since = ++this.ticks));
    const key = `${tenantId}/${batchId}`;
    const running = this.batchReads.get(key);
    if (running && since !== undefined && running.tick > since) return running.promise;
    const entry = { tick: ++this.ticks, promise: this.jobs.getBatch(tenantId, batchId) };
    this.batchReads.set(key, entry);
    void entry.promise.then(
      () => this.batchReads.get(key) === entry && this.batchReads.delete(key),
      () => this.batchReads.get(key) === entry && this.batchReads.delete(key),
    );
    return entry.promise;
  }

  async jobEvents(tenantId: string, jobId: string, afterSequence?: number | null): Promise<AsyncIterableIterator<JobEventDoc>> {
    if (!(await this.owns(tenantId, jobId))) throw notFound('job', jobId);
    const stream = jobEventStream({
      feed: this.feed,
      events: this.feed.events,
      jobId,
      afterSequence: afterSequence ?? 0,
      ...(this.opts.idleCheckMs !== undefined ? { idleCheckMs: this.opts.idleCheckMs } : {}),
    });
    return this.logSends(stream, (e) => eventLog(e, 'jobEvents'), 'job event sent');
  }

  tenantJobEvents(tenantId: string): AsyncIterableIterator<JobEventDoc> {
    return this.logSends(this.feed.subscribe({ tenantId }), (e) => eventLog(e, 'tenantJobEvents'), 'job event sent');
  }

  /** The batch now, then again each time one of its jobs changes status; ends once all finished. */
  async batchProgress(tenantId: string, batchId: string): Promise<AsyncIterableIterator<BatchView>> {
    // Subscribe before the first read so that no change in between is missed.
    const live = this.feed.subscribe({ batchId, tenantId });
    const first = await this.batchAfter(tenantId, batchId, null);
    if (!first) {
      live.close();
      throw notFound('batch', batchId);
    }
    const read = (event: JobEventDoc): Promise<BatchView | null> => this.batchAfter(tenantId, batchId, event);
    /** The event after which the view was read: its `at` is logged with the send. */
    let cause: JobEventDoc | null = null;
    async function* run(): AsyncGenerator<BatchView, undefined, undefined> {
      try {
        let last = first!;
        yield last;
        if (unfinishedCount(last.counts) === 0) return undefined;
        for await (const event of live) {
          if (!STATUS_CHANGES.has(event.type)) continue;
          const view = await read(event);
          if (!view || sameCounts(view, last)) continue;
          last = view;
          cause = event;
          yield view;
          if (unfinishedCount(view.counts) === 0) return undefined;
        }
        return undefined;
      } finally {
        live.close();
      }
    }
    const gen = run();
    // An async generator's return() waits while the generator is suspended on an await
    // (here: the feed's next event), so an unsubscribe alone would hold the feed subscription
    // until the batch's next status change. Closing the feed subscription first ends
    // that wait at once, as jobEventStream does.
    const stream: AsyncIterableIterator<BatchView, undefined> = {
      next: () => gen.next(),
      return: () => {
        live.close();
        return gen.return(undefined);
      },
      throw: (err?: unknown) => {
        live.close();
        return gen.throw(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return this.logSends(
      stream,
      (view) => ({
        subscription: 'batchProgress',
        batchId,
        counts: view.counts,
        ...(cause ? { jobId: cause.jobId, sequence: cause.sequence, type: cause.type, at: cause.at.toISOString() } : {}),
      }),
      'batch progress sent',
    );
  }

  /**
   * Passes `source` through, logging each item at debug level as it is taken for sending.
   * `return()` and `throw()` go straight to the source, so unsubscribing stays immediate.
   */
  private logSends<T>(
    source: AsyncIterableIterator<T, undefined>,
    describe: (item: T) => Record<string, unknown>,
    msg: string,
  ): AsyncIterableIterator<T, undefined> {
    const logger = this.logger;
    if (!logger) return source;
    return {
      next: async () => {
        const step = await source.next();
        if (!step.done && logger.isLevelEnabled('debug')) {
          const sentAt = new Date();
          const fields = describe(step.value);
          const at = typeof fields.at === 'string' ? Date.parse(fields.at) : NaN;
          logger.debug({ ...fields, sentAt: sentAt.toISOString(), ...(Number.isNaN(at) ? {} : { latencyMs: sentAt.getTime() - at }) }, msg);
        }
        return step;
      },
      return: () => source.return?.() ?? Promise.resolve({ done: true, value: undefined }),
      ...(source.throw ? { throw: (err?: unknown) => source.throw!(err) } : {}),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

function eventLog(e: JobEventDoc, subscription: string): Record<string, unknown> {
  return { subscription, eventId: e._id, jobId: e.jobId, sequence: e.sequence, type: e.type, at: e.at.toISOString() };
}

function sameCounts(a: BatchView, b: BatchView): boolean {
  return a.status === b.status && (Object.keys(a.counts) as Array<keyof BatchView['counts']>).every((k) => a.counts[k] === b.counts[k]);
}
