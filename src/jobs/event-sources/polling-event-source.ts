/**
 * Reads job events by polling `job_events` every `pollMs`, for servers without change
 * streams (FerretDB). Each poll reads the events stamped at or after `cursor - overlapMs`,
 * where `cursor` is the latest `at` seen so far, and hands on only those whose `_id` it has
 * not seen yet.
 *
 * Why the overlap: writers on other processes stamp `at` with their own clocks, and an
 * insert becomes visible some time after it was stamped, so events do not appear in `at`
 * order. An event is delivered as long as it becomes visible less than `overlapMs` after
 * the latest stamp seen before it (clock skew between writers plus write latency). Only
 * the database's stamps are compared, never this process's clock.
 *
 * The de-duplication set holds the ids inside the window (plus one window of margin) and
 * never more than `maxSeen` ids.
 */
import type { JobEventDoc } from '../../db/job-docs.js';
import type { JobEventsRepository } from '../../db/job-events.repository.js';
import type { Logger } from '../../log/logger.js';
import type { EventSource, OnJobEvent } from './event-source.js';

export interface PollingEventSourceOptions {
  events: JobEventsRepository;
  logger: Logger;
  /** Delay between the end of one poll and the start of the next, in ms. */
  pollMs: number;
  /** How far before the latest stamp seen each poll reads again. @defaultValue 5000 ms */
  overlapMs?: number;
  /** Events read per query; a full page is followed by another at once. @defaultValue 1000 */
  pageSize?: number;
  /** Upper bound on remembered ids. @defaultValue 100000 */
  maxSeen?: number;
}

export class PollingEventSource implements EventSource {
  readonly kind = 'polling' as const;
  private readonly overlapMs: number;
  private readonly pageSize: number;
  private readonly maxSeen: number;
  /** id → `at` in ms, in insertion order (roughly `at` order). */
  private readonly seen = new Map<string, number>();
  /** The latest `at` seen, in ms; null while the collection has had no event. */
  private cursor: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private started = false;
  private failures = 0;

  constructor(private readonly opts: PollingEventSourceOptions) {
    this.overlapMs = opts.overlapMs ?? 5_000;
    this.pageSize = opts.pageSize ?? 1_000;
    this.maxSeen = opts.maxSeen ?? 100_000;
    if (!(opts.pollMs > 0)) throw new Error(`pollMs must be > 0, got ${opts.pollMs}`);
    if (!(this.overlapMs >= 0)) throw new Error(`overlapMs must be >= 0, got ${this.overlapMs}`);
    if (!(this.pageSize >= 1)) throw new Error(`pageSize must be >= 1, got ${this.pageSize}`);
  }

  async start(onEvent: OnJobEvent): Promise<void> {
    if (this.started) throw new Error('polling event source already started');
    this.started = true;
    // Prime: everything already stored counts as seen, so only events written from now
    // on are handed on (subscribers get older events by replay from the store).
    const latest = await this.opts.events.collection.find({}).sort({ at: -1 }).limit(1).project<{ at: Date }>({ at: 1 }).next();
    if (latest) {
      this.cursor = latest.at.getTime();
      await this.poll(() => {});
    }
    this.schedule(onEvent);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(onEvent: OnJobEvent): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.poll(onEvent)
        .then(() => {
          this.failures = 0;
        })
        .catch((err: unknown) => {
          // Logged on the first failure and then every 100th, so an outage does not flood the log.
          if (this.failures++ % 100 === 0) this.opts.logger.error({ err, failures: this.failures }, 'polling job events failed');
        })
        .finally(() => {
          this.inFlight = null;
          this.schedule(onEvent);
        });
    }, this.opts.pollMs);
  }

  /** Reads every page of the window once; hands on the events not seen before. */
  private async poll(onEvent: OnJobEvent): Promise<void> {
    let since = this.cursor === null ? 0 : this.cursor - this.overlapMs;
    for (;;) {
      const page = await this.opts.events.listSince(new Date(since), this.pageSize);
      if (this.stopped) return;
      const fresh: JobEventDoc[] = [];
      for (const event of page) {
        if (this.seen.has(event._id)) continue;
        const at = event.at.getTime();
        this.seen.set(event._id, at);
        if (this.cursor === null || at > this.cursor) this.cursor = at;
        fresh.push(event);
      }
      for (const event of orderWithinJobs(fresh)) onEvent(event);
      if (page.length < this.pageSize) break;
      const next = page[page.length - 1]!.at.getTime();
      if (next <= since) {
        // A whole page stamped with one instant: reading on from it cannot progress.
        this.opts.logger.warn({ at: new Date(next), pageSize: this.pageSize }, 'more job events share one instant than fit a page');
        break;
      }
      since = next;
    }
    this.forget();
  }

  /** Drops ids that can no longer come back (stamped before the window's margin), and any over the cap. */
  private forget(): void {
    if (this.cursor === null) return;
    const expired = this.cursor - 2 * this.overlapMs;
    for (const [id, at] of this.seen) {
      if (at >= expired && this.seen.size <= this.maxSeen) break;
      this.seen.delete(id);
    }
  }
}

/**
 * Keeps the page's order (by `at`) but puts each job's events in sequence order on the
 * places that job's events occupy, so that skewed stamps never reorder one job.
 */
export function orderWithinJobs(events: readonly JobEventDoc[]): JobEventDoc[] {
  const byJob = new Map<string, JobEventDoc[]>();
  for (const e of events) {
    const list = byJob.get(e.jobId);
    if (list) list.push(e);
    else byJob.set(e.jobId, [e]);
  }
  for (const list of byJob.values()) if (list.length > 1) list.sort((a, b) => a.sequence - b.sequence);
  const taken = new Map<string, number>();
  return events.map((e) => {
    const i = taken.get(e.jobId) ?? 0;
    taken.set(e.jobId, i + 1);
    return byJob.get(e.jobId)![i]!;
  });
}
