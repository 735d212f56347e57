/**
 * A batch is finished when none of its jobs is QUEUED, RUNNING or RETRYING. Whoever
 * finishes its last job settles it: records finishedAt and tells the notifier, once —
 * the one-time claim makes that hold when several workers finish jobs at the same time.
 */
import type { BatchDoc, BatchStatusValue, JobStatusValue } from '../db/job-docs.js';
import type { JobStores } from './job-stores.js';
import type { JobNotifier } from './notifier.js';

export type StatusCounts = Record<JobStatusValue, number>;

export const unfinishedCount = (c: StatusCounts): number => c.QUEUED + c.RUNNING + c.RETRYING;

/** The batch's status as it stands: CANCELLED once cancelled, else derived from its jobs. */
export function batchStatus(batch: BatchDoc, counts: StatusCounts): BatchStatusValue {
  if (batch.status === 'CANCELLED') return 'CANCELLED';
  return unfinishedCount(counts) === 0 ? 'COMPLETED' : 'RUNNING';
}

export async function settleBatchIfDone(stores: JobStores, notifier: JobNotifier, batchId: string): Promise<void> {
  const counts = await stores.jobs.countByStatus(batchId);
  if (unfinishedCount(counts) > 0) return;
  if (!(await stores.claims.tryClaim(`batch-settled:${batchId}`, 'settler'))) return;
  const batch = await stores.batches.findById(batchId);
  if (!batch) return;
  const finishedAt = new Date();
  const status = batchStatus(batch, counts);
  await stores.batches.update(batchId, { status, finishedAt, webhooksPending: true });
  await notifier.batchFinished({ ...batch, status, finishedAt });
  await stores.batches.update(batchId, { webhooksPending: false });
}
