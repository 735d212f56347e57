/**
 * The following half of a batch round, for each batch the provider has: how far it is (its
 * jobs' progress, written now and then), whether its jobs still wait for it (a job past its
 * deadline stops waiting; a batch none of whose jobs waits any more is cancelled at the
 * provider), and once it is done, its answers applied, its jobs woken and its files deleted at
 * the provider. A batch is deleted once every job it woke was woken and its files are gone (or
 * given up: batch-files.ts).
 */
import { FINAL_BATCH_STATUSES, type ProviderBatch } from '../../ai/index.js';
import type { FileToDelete, ProviderBatchSummary } from '../../db/jobs/index.js';
import { applyAnswers } from './batch-answers.js';
import { deleteBatchFiles, filesOf } from './batch-files.js';
import { wakeForBatch } from './batch-wakes.js';
import type { HeldRound } from './fleet-round.js';
import { type BatchRoundDeps, LiveJobSet, RoundOvertaken } from './round-deps.js';

/** Batches with more jobs than this get no per-job progress while they run: it would cost a write per job. */
export const PROGRESS_JOBS_LIMIT = 1_000;

export class BatchPoller {
  constructor(private readonly deps: BatchRoundDeps) {}

  /** Follows every batch the provider has, and wakes the jobs of answered ones. */
  async poll(open: ProviderBatchSummary[], round: HeldRound): Promise<void> {
    const submitted = open.filter((b) => b.state === 'submitted');
    const live = await LiveJobSet.of(this.deps.stores, submitted.flatMap((b) => b.jobs.map((j) => j.id)));
    for (const batch of open) {
      try {
        if (batch.state === 'submitted') await this.follow(batch, live, round);
        else if (batch.state === 'answered') await this.settle(batch, batch.wakes, batch.filesToDelete ?? []);
      } catch (err) {
        if (err instanceof RoundOvertaken) throw err;
        this.deps.logger.warn({ err, batch: batch._id }, 'following a batch failed; the next round tries again');
      }
    }
  }

  private async follow(submitted: ProviderBatchSummary, live: LiveJobSet, round: HeldRound): Promise<void> {
    let batch = submitted;
    const { stores, api, logger } = this.deps;
    const provider = await api.retrieveBatch(batch.providerId!);
    if (FINAL_BATCH_STATUSES.includes(provider.status)) {
      const wakes = await applyAnswers(this.deps, batch, provider);
      // Its files go only now that its answers are stored; recorded in the same write, so a round
      // that dies before deleting them leaves them to the next (state answered).
      const filesToDelete = filesOf(provider);
      await stores.providerBatches.update(batch._id, { state: 'answered', status: provider.status, counts: provider.counts, wakes, filesToDelete });
      logger.info({ batch: batch._id, providerBatch: provider.id, status: provider.status, counts: provider.counts }, "the provider's batch is done; its answers are applied");
      return this.settle(batch, wakes, filesToDelete);
    }
    const now = this.deps.now();
    // A job past its deadline stops waiting (its calls are made at once; answers arriving later are kept).
    // Once told (or gone), its deadline is crossed out here, so later rounds do not look at it again.
    const told = new Set<string>();
    for (const job of batch.jobs) {
      if (!job.deadline || job.deadline.getTime() > now.getTime()) continue;
      const outcome = live.has(job.id) ? await wakeForBatch(this.deps.wakes, job.id, { kind: 'fallback', reason: 'its batchDeadline passed' }) : 'absent';
      if (outcome !== 'busy') told.add(job.id);
    }
    if (told.size > 0) {
      batch = { ...batch, jobs: batch.jobs.map((j) => (told.has(j.id) ? { ...j, deadline: null } : j)) };
      await stores.providerBatches.update(batch._id, { jobs: batch.jobs });
    }
    if (!batch.cancelledAt && !batch.jobs.some((j) => live.has(j.id))) {
      if (!(await round.stillCurrent())) throw new RoundOvertaken(`round ${round.n} was overtaken`);
      await api.cancelBatch(provider.id);
      await stores.providerBatches.update(batch._id, { cancelledAt: now });
      logger.info({ batch: batch._id, providerBatch: provider.id }, "cancelled a provider's batch none of whose jobs waits for it any more");
    }
    await this.report(batch, provider, live);
  }

  /** Writes the batch's progress to its waiting jobs first thing, then when it moved, at most every `progressEveryMs`. */
  private async report(batch: ProviderBatchSummary, provider: ProviderBatch, live: LiveJobSet): Promise<void> {
    const { stores, now } = this.deps;
    const first = batch.progressAt === null;
    const moved = first || provider.counts.completed !== batch.counts?.completed || provider.status !== batch.status;
    const due = first || now().getTime() - batch.progressAt!.getTime() >= this.deps.progressEveryMs;
    if (!moved) return;
    if (!due || batch.jobs.length > PROGRESS_JOBS_LIMIT) return stores.providerBatches.update(batch._id, { status: provider.status, counts: provider.counts });
    const total = provider.counts.total || batch.lines;
    for (const job of batch.jobs) {
      if (live.has(job.id)) await wakeForBatch(this.deps.wakes, job.id, { kind: 'progress', completed: provider.counts.completed, total });
    }
    await stores.providerBatches.update(batch._id, { status: provider.status, counts: provider.counts, progressAt: now() });
  }

  /**
   * Wakes each job, then deletes the batch's files at the provider (the jobs do not wait for
   * that); a job held by someone else this moment, or a delete that failed for now, is tried
   * again next round. Deleting is harmless if a later round has started: a file gone is deleted.
   */
  private async settle(batch: ProviderBatchSummary, wakes: ProviderBatchSummary['wakes'], files: FileToDelete[]): Promise<void> {
    const left: ProviderBatchSummary['wakes'] = [];
    for (const w of wakes) {
      const outcome = await wakeForBatch(this.deps.wakes, w.id, w.fallback ? { kind: 'fallback', reason: w.fallback } : { kind: 'answered' });
      if (outcome === 'busy') left.push(w);
    }
    const filesLeft = await deleteBatchFiles(this.deps, batch._id, files);
    if (left.length === 0 && filesLeft.length === 0) await this.deps.stores.providerBatches.delete(batch._id);
    else await this.deps.stores.providerBatches.update(batch._id, { wakes: left, filesToDelete: filesLeft });
  }
}
