/**
 * Writes what finished attempts mean: each attempt row's outcome, its delivery's new state,
 * and its queue entry (the next attempt scheduled, or the entry gone). Attempts that finish
 * while a write is under way are written together in the next one, three statements for
 * the lot (one per collection) instead of three each: the database runs statements one at a
 * time, so this is what lets deliveries go out faster than it answers single writes.
 *
 * The order within a batch is the order that makes a crash harmless: outcomes first, then
 * the deliveries, then the queue. A dispatcher that dies in between leaves attempt rows that
 * the next one settles from, and queue entries that it finds already settled and drops.
 */
import type { Logger } from '../log/logger.js';
import { GroupCommit } from '../db/group-commit.js';
import { retryTransient } from '../db/transient-error.js';
import type {
  AttemptOutcome,
  DeliveryChanges,
  QueueWrite,
  WebhookAttemptDoc,
  WebhookAttemptsRepository,
  WebhookDeliveriesRepository,
  WebhookDeliveryDoc,
  WebhookQueueRepository,
} from '../db/webhooks/index.js';
import { webhookDeliveriesFailed } from '../metrics/metrics.js';
import { settleAttempt, type SettlementPolicy } from './settlement.js';

export interface SettlementWriterDeps {
  attempts: WebhookAttemptsRepository;
  deliveries: WebhookDeliveriesRepository;
  queue: WebhookQueueRepository;
  policy: SettlementPolicy;
  /**
   * A success older than this is settled from a fresh read of its delivery: by then another
   * dispatcher may have settled it as interrupted (see AttemptClaims' orphan rule).
   */
  freshReadAfterMs: number;
  /** How long a batch's writes are retried while the database does not answer. */
  retryMs: number;
  logger: Logger;
  now?: () => Date;
}

interface Writes {
  finish: { id: string; finishedAt: Date; outcome: AttemptOutcome } | null;
  settle: { id: string; number: number; changes: DeliveryChanges } | null;
  queue: QueueWrite | null;
}

/** The most attempts one batch writes. */
const MAX_BATCH = 256;

export class SettlementWriter {
  private readonly now: () => Date;
  private readonly batches: GroupCommit<Writes, void>;

  constructor(private readonly deps: SettlementWriterDeps) {
    this.now = deps.now ?? (() => new Date());
    this.batches = new GroupCommit<Writes, void>(async (batch) => {
      try {
        await this.write(batch);
      } catch (err) {
        deps.logger.error({ err, attempts: batch.length }, 'webhook attempt outcomes could not be written; they are settled as interrupted later');
        throw err;
      }
      return batch.map(() => undefined);
    }, MAX_BATCH);
  }

  /**
   * Records the outcome of attempt `attempt.number` (claimed by this dispatcher, or found
   * orphaned: `finish` false when its row holds the outcome already) and settles its
   * delivery. `known` is the delivery as read before the attempt: a success is delivered
   * whatever happened meanwhile, so it needs nothing fresher; a failure depends on the
   * delivery's current state (stopped, redelivered) and reads it again. Resolves once written,
   * with the delivery's changes (null when someone else had settled the attempt).
   */
  async record(attempt: WebhookAttemptDoc, known: WebhookDeliveryDoc, finish = true): Promise<DeliveryChanges | null> {
    const finishedAt = attempt.finishedAt ?? this.now();
    const age = this.now().getTime() - attempt.at.getTime();
    const current = attempt.ok === true && age < this.deps.freshReadAfterMs ? known : await this.deps.deliveries.findById(known._id);
    const writes: Writes = {
      finish: finish ? { id: attempt._id, finishedAt, outcome: outcomeOf(attempt) } : null,
      settle: null,
      queue: null,
    };
    let changes: DeliveryChanges | null = null;
    if (current !== null && current.attemptCount < attempt.number) {
      changes = settleAttempt(current, { ...attempt, finishedAt }, this.deps.policy);
      writes.settle = { id: current._id, number: attempt.number, changes };
      writes.queue =
        changes.status === 'PENDING' && changes.nextAttemptAt
          ? { schedule: { _id: current._id, endpointId: current.endpointId, tenantId: current.tenantId, dueAt: changes.nextAttemptAt } }
          : { remove: current._id };
    }
    if (writes.finish || writes.settle) await this.batches.submit(writes);
    if (changes?.status === 'FAILED') webhookDeliveriesFailed.inc();
    return changes;
  }

  /** Resolves once everything recorded so far is written (a stopping dispatcher waits for it). */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  /** Each statement may be repeated safely: `$set` by `_id`, upserts, deletes. */
  private async write(batch: readonly Writes[]): Promise<void> {
    const finished = batch.flatMap((w) => (w.finish ? [w.finish] : []));
    const settled = batch.flatMap((w) => (w.settle ? [w.settle] : []));
    const queued = batch.flatMap((w) => (w.queue ? [w.queue] : []));
    await retryTransient(() => this.deps.attempts.finishEach(finished), this.deps.retryMs);
    await retryTransient(() => this.deps.deliveries.settleEach(settled), this.deps.retryMs);
    await retryTransient(() => this.deps.queue.apply(queued), this.deps.retryMs);
  }
}

function outcomeOf(attempt: WebhookAttemptDoc): AttemptOutcome {
  const { ok, durationMs, statusCode, error, responseBody, retryAfter } = attempt;
  return { ok, durationMs, statusCode, error, responseBody, retryAfter };
}
