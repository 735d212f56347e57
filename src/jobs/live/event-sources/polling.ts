/**
 * Reads job events by polling the live feed (`job_event_feed`, see
 * job-event-feed.repository.ts) every `pollMs`, for servers without change streams (FerretDB).
 * The feed numbers its entries 1, 2, 3 … without gaps, so a poll asks for the next position
 * by exact `_id`, and while it finds entries it asks for the following ones in growing
 * concurrent rounds: the cost of a poll is the number of new entries (one per write, which
 * may carry several events) plus one lookup, however much history is stored. Only positions written after start are handed on (subscribers get
 * older events by replay from the store).
 *
 * Positions are claimed in commit order (a writer tries a position only once it has seen all
 * below it taken), so a missing position means nothing newer yet. Two cases are checked
 * every `checkMs` while polls find nothing: the trim passed this reader (it fell more than the
 * feed's size behind: it jumps to the oldest entry and logs what it skipped), and a position
 * that stays missing while the next one exists (never made by this code's writers; skipped
 * after one more check). Event ids already handed on are remembered (up to `maxSeen`) so that
 * a copy written twice — a writer retrying after an ambiguous failure — reaches nobody twice.
 */
import { feedEntryEvents, type JobEventDoc, type JobEventFeedDoc, type JobEventFeedRepository } from '../../../db/jobs/index.js';
import type { Logger } from '../../../log/logger.js';
import type { EventSource, OnJobEvent } from './event-source.js';

export interface PollingEventSourceOptions {
  feed: JobEventFeedRepository;
  logger: Logger;
  /** Delay between the end of one poll and the start of the next, in ms. */
  pollMs: number;
  /** Most positions looked up at once in one round of a poll. @defaultValue 32 */
  pageSize?: number;
  /** How often an idle poller checks for a trim past it or a stuck position, in ms. @defaultValue 2000 */
  checkMs?: number;
  /** Upper bound on remembered event ids. @defaultValue 10000 */
  maxSeen?: number;
}

export class PollingEventSource implements EventSource {
  readonly kind = 'polling' as const;
  private readonly pageSize: number;
  private readonly checkMs: number;
  private readonly maxSeen: number;
  private readonly seen = new Set<string>();
  /** The next feed position to read. */
  private next = 1;
  private lastCheckAt = 0;
  /** A missing position seen with a later one present at the last check. */
  private stuckAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private started = false;
  private failures = 0;

  constructor(private readonly opts: PollingEventSourceOptions) {
    this.pageSize = opts.pageSize ?? 32;
    this.checkMs = opts.checkMs ?? 2_000;
    this.maxSeen = opts.maxSeen ?? 10_000;
    if (!(opts.pollMs > 0)) throw new Error(`pollMs must be > 0, got ${opts.pollMs}`);
    if (!(this.pageSize >= 1)) throw new Error(`pageSize must be >= 1, got ${this.pageSize}`);
    if (!(this.checkMs > 0)) throw new Error(`checkMs must be > 0, got ${this.checkMs}`);
  }

  async start(onEvent: OnJobEvent): Promise<void> {
    if (this.started) throw new Error('polling event source already started');
    this.started = true;
    this.next = (await this.opts.feed.newestPosition()) + 1;
    this.lastCheckAt = Date.now();
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

  /** Reads every new position, then hands on the events not seen before. */
  private async poll(onEvent: OnJobEvent): Promise<void> {
    const fresh: JobEventDoc[] = [];
    let round = 1;
    for (;;) {
      const from = this.next;
      const entries = await Promise.all(Array.from({ length: round }, (_, i) => this.opts.feed.at(from + i)));
      if (this.stopped) return;
      let found = 0;
      while (found < entries.length && entries[found]) found++;
      for (const entry of entries.slice(0, found) as JobEventFeedDoc[]) {
        for (const event of feedEntryEvents(entry)) {
          if (this.seen.has(event._id)) continue;
          this.remember(event._id);
          fresh.push(event);
        }
      }
      this.next = from + found;
      if (found < entries.length) break;
      round = Math.min(round * 2, this.pageSize);
    }
    if (fresh.length > 0) {
      this.stuckAt = null;
      for (const event of orderWithinJobs(fresh)) onEvent(event);
    } else if (Date.now() - this.lastCheckAt >= this.checkMs) await this.check();
  }

  /** While idle: jump past a trim that overtook this reader, and past a position that never fills. */
  private async check(): Promise<void> {
    this.lastCheckAt = Date.now();
    const [oldest, after] = await Promise.all([this.opts.feed.oldestPosition(), this.opts.feed.at(this.next + 1)]);
    if (oldest !== null && oldest > this.next) {
      this.opts.logger.warn({ skipped: oldest - this.next, from: this.next }, 'job event feed was trimmed past this reader; subscribers fill what they missed from the store');
      this.next = oldest;
      this.stuckAt = null;
      return;
    }
    if (after === null) {
      this.stuckAt = null;
      return;
    }
    if (this.stuckAt === this.next) {
      this.opts.logger.warn({ position: this.next }, 'job event feed position never filled; skipped');
      this.next++;
      this.stuckAt = null;
    } else this.stuckAt = this.next;
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > this.maxSeen) this.seen.delete(this.seen.values().next().value!);
  }
}

/**
 * Keeps the batch's order (by feed position) but puts each job's events in sequence order on
 * the places that job's events occupy: two processes appending to one job (a runner and a
 * cancelling API process) may write their feed copies in the other order.
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
