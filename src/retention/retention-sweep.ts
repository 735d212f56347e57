/**
 * The retention sweep (worker role): events and webhook attempts of finished work after
 * EVENT_RETENTION; the finished job or batch with its deliveries after JOB_RETENTION (0
 * keeps them). It reads only the retention ledger to find what aged out and deletes by
 * `_id`, in batches of RETENTION_BATCH with RETENTION_PAUSE between them, so it never holds
 * the database (FerretDB runs one statement at a time) for long.
 *
 * Nothing live is swept: right before deleting, the job or batch is read by `_id` and must
 * still be the finished occurrence the ledger row names (a job retried since then has a
 * new occurrence, and its old row is dropped), with no webhook still owed: not
 * `webhooksPending`, no delivery still queued.
 */
import type { BatchDoc, JobDoc, BatchesRepository, JobEventsRepository, JobsRepository, LiveJobsRepository, RetentionLedgerDoc, RetentionLedgerRepository } from '../db/jobs/index.js';
import type { WebhookAttemptsRepository, WebhookDeliveriesRepository, WebhookDeliveryDoc, WebhookEndpointsRepository, WebhookQueueRepository } from '../db/webhooks/index.js';
import type { Logger } from '../log/logger.js';
import { jobEventType } from '../webhooks/event-types.js';
import { batchEventKey, deliveryIdFor, jobEventKey, reviewEventKey } from '../webhooks/ids.js';

export interface RetentionSettings {
  /** EVENT_RETENTION in ms. */
  eventsMs: number;
  /** JOB_RETENTION in ms; 0 keeps finished jobs forever. */
  jobsMs: number;
  /** RETENTION_SWEEP_INTERVAL in ms. */
  intervalMs: number;
  /** RETENTION_BATCH: ledger rows handled per batch. */
  batchSize: number;
  /** RETENTION_PAUSE in ms between batches. */
  pauseMs: number;
}

export interface RetentionSweepDeps {
  ledger: RetentionLedgerRepository;
  jobs: JobsRepository;
  /** Live work: a job with a record here is not finished with, whatever its status. */
  live: LiveJobsRepository;
  batches: BatchesRepository;
  events: JobEventsRepository;
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
  attempts: WebhookAttemptsRepository;
  queue: WebhookQueueRepository;
  settings: RetentionSettings;
  logger: Logger;
  /** The clock; for tests. */
  now?: () => Date;
}

export interface SweepCounts {
  /** Occurrences whose events and attempts were removed. */
  eventsSwept: number;
  /** Jobs and batches removed with everything they kept. */
  recordsSwept: number;
  /** Rows left for later: their work is still owed a webhook. */
  deferred: number;
}

type Outcome = 'swept' | 'deferred' | 'dropped';

/** Counts one row's outcome; a deferred row is skipped for the rest of this sweep. */
function tally(counts: SweepCounts, sweptKey: 'eventsSwept' | 'recordsSwept', row: RetentionLedgerDoc, outcome: Outcome, skip: Set<string>): void {
  if (outcome === 'swept') counts[sweptKey] += 1;
  if (outcome === 'deferred') {
    counts.deferred += 1;
    skip.add(row._id);
  }
}

/** What a ledger row stands for now. */
type Occurrence =
  | { state: 'gone' }
  | { state: 'busy' }
  | { state: 'finished'; deliveries: WebhookDeliveryDoc[] };

export class RetentionSweep {
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly deps: RetentionSweepDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Sweeps every RETENTION_SWEEP_INTERVAL until stop(). */
  start(): void {
    const tick = (): void => {
      this.running = this.sweep()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'retention sweep failed; trying again at the next interval'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.settings.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.deps.settings.intervalMs);
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One full sweep: every aged row, batch after batch. */
  async sweep(): Promise<SweepCounts> {
    const counts: SweepCounts = { eventsSwept: 0, recordsSwept: 0, deferred: 0 };
    const { settings } = this.deps;
    // Rows left for later are skipped by position, so they never hold up the rows behind them.
    let skip = new Set<string>();
    for (;;) {
      const cutoff = new Date(this.now().getTime() - settings.eventsMs);
      const rows = (await this.deps.ledger.findAged('events', cutoff, settings.batchSize + skip.size)).filter((r) => !skip.has(r._id));
      if (rows.length === 0 || this.stopped) break;
      for (const row of rows) tally(counts, 'eventsSwept', row, await this.sweepEvents(row), skip);
      if (rows.length < settings.batchSize) break;
      await this.pause();
    }
    if (settings.jobsMs > 0) {
      skip = new Set<string>();
      for (;;) {
        const cutoff = new Date(this.now().getTime() - settings.jobsMs);
        const rows = (await this.deps.ledger.findAgedAny(cutoff, settings.batchSize + skip.size)).filter((r) => !skip.has(r._id));
        if (rows.length === 0 || this.stopped) break;
        for (const row of rows) tally(counts, 'recordsSwept', row, await this.sweepRecord(row), skip);
        if (rows.length < settings.batchSize) break;
        await this.pause();
      }
    }
    if (counts.eventsSwept + counts.recordsSwept > 0) this.deps.logger.info(counts, 'retention sweep');
    return counts;
  }

  /** Events and webhook attempts of one finished occurrence. */
  private async sweepEvents(row: RetentionLedgerDoc): Promise<Outcome> {
    const occurrence = await this.occurrence(row);
    if (occurrence.state === 'gone') {
      await this.deps.ledger.delete(row._id);
      return 'dropped';
    }
    if (occurrence.state === 'busy') return 'deferred';
    await this.deleteEventsAndAttempts(row, occurrence.deliveries);
    // With JOB_RETENTION 0 nothing more will be removed: the row has done its work.
    if (this.deps.settings.jobsMs > 0) await this.deps.ledger.setStage(row._id, 'all');
    else await this.deps.ledger.delete(row._id);
    return 'swept';
  }

  /** The finished job or batch with everything it kept. */
  private async sweepRecord(row: RetentionLedgerDoc): Promise<Outcome> {
    const occurrence = await this.occurrence(row);
    if (occurrence.state === 'gone') {
      await this.deps.ledger.delete(row._id);
      return 'dropped';
    }
    if (occurrence.state === 'busy') return 'deferred';
    // Again even after the events pass: a redelivery since then may have added attempts.
    await this.deleteEventsAndAttempts(row, occurrence.deliveries);
    for (const delivery of occurrence.deliveries) await this.deps.deliveries.deleteById(delivery._id);
    // Re-read right before the delete: a job retried meanwhile is live again and stays.
    if ((await this.occurrence(row, false)).state !== 'finished') return 'deferred';
    if (row.kind === 'job') await this.deps.jobs.deleteById(row.refId);
    else await this.deps.batches.deleteById(row.refId);
    await this.deps.ledger.delete(row._id);
    return 'swept';
  }

  private async deleteEventsAndAttempts(row: RetentionLedgerDoc, deliveries: readonly WebhookDeliveryDoc[]): Promise<void> {
    if (row.kind === 'job') {
      const last = await this.deps.events.lastSequence(row.refId);
      await this.deps.events.deleteForJob(row.refId, last);
    }
    for (const delivery of deliveries) await this.deps.attempts.deleteForDelivery(delivery._id, delivery.attemptCount);
  }

  /**
   * The job or batch as it stands: 'gone' when it is no longer the finished occurrence the
   * row names (deleted, or retried since: its next finish writes a row of its own), 'busy'
   * while a webhook is still owed, else its stored deliveries.
   */
  private async occurrence(row: RetentionLedgerDoc, withDeliveries = true): Promise<Occurrence> {
    const doc: JobDoc | BatchDoc | null =
      row.kind === 'job' ? await this.deps.jobs.findById(row.refId) : await this.deps.batches.findById(row.refId);
    if (doc === null || doc.finishedAt === null || doc.finishedAt.getTime() !== row.finishedAt.getTime()) return { state: 'gone' };
    if (row.kind === 'job' && jobEventType((doc as JobDoc).status) === null) return { state: 'gone' };
    // Work still owed after the finish (webhooks, batch settlement, the terminal event) keeps
    // the job's live record; a batch owes it while any of its jobs has one.
    const owing = row.kind === 'job' ? [await this.deps.live.findById(doc._id)].filter(Boolean) : await this.deps.live.findMany((doc as BatchDoc).jobIds);
    if (owing.length > 0) return { state: 'busy' };
    if (!withDeliveries) return { state: 'finished', deliveries: [] };
    const eventKeys =
      row.kind === 'job'
        ? [jobEventKey(doc._id, jobEventType((doc as JobDoc).status)!, doc.finishedAt), ...reviewEventKeys(doc as JobDoc)]
        : [batchEventKey(doc._id, 'batch.completed', doc.finishedAt)];
    // Deleted endpoints too: their deliveries are still stored. A tenant has few endpoints.
    const endpoints = await this.deps.endpoints.listAllForTenant(doc.tenantId);
    const deliveries: WebhookDeliveryDoc[] = [];
    for (const endpoint of endpoints) {
      for (const eventKey of eventKeys) {
        const id = deliveryIdFor(endpoint._id, eventKey);
        const delivery = await this.deps.deliveries.findById(id);
        if (delivery === null) continue;
        if (delivery.status === 'PENDING' || (await this.deps.queue.findById(id)) !== null) return { state: 'busy' };
        deliveries.push(delivery);
      }
    }
    return { state: 'finished', deliveries };
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.deps.settings.pauseMs));
  }
}

/** The `job.review_requested` occurrences a job may have had: each step's review key, in every review round up to its last. */
function reviewEventKeys(job: JobDoc): string[] {
  const keys: string[] = [];
  for (const step of job.steps) {
    if (!step.review) continue;
    for (let round = 0; round <= (job.reviewRound ?? 0); round++) keys.push(reviewEventKey(job._id, round, step.name, step.review.key));
  }
  return keys;
}
