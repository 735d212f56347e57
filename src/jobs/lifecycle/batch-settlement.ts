/**
 * A batch's counts and its settlement. Counts are read from its jobs by `_id` (never by
 * scanning `jobs`). A batch settles when every one of its jobs has finished:
 * the first settler claims `batch-settled:<id>:<n>` with the settlement's facts (time,
 * status, counts) in the claim, and anyone who comes later — another worker, or the
 * lost-work sweep after a settler died — completes that same settlement from the claim.
 * A retry of one of its jobs reopens it, and the next settlement is number n + 1.
 */
import { JOB_STATUSES } from '../../errors/index.js';
import { isTerminalStatus, type BatchDoc, type BatchStatusValue, type JobStatusValue } from '../../db/jobs/index.js';
import type { JobStores } from './stores.js';
import type { JobNotifier } from './notifier.js';

export type StatusCounts = Record<JobStatusValue, number>;

/** A batch as callers see it: its record, its jobs' counts by status, and the status they give it. */
export interface BatchView {
  doc: BatchDoc;
  counts: StatusCounts;
  status: BatchDoc['status'];
}

const STATUSES: readonly JobStatusValue[] = JOB_STATUSES;

/** Jobs not finished yet: waiting, running, retrying, parked (a review, a start time, the provider's batch): every status but the terminal ones. */
export const unfinishedCount = (c: StatusCounts): number => STATUSES.filter((s) => !isTerminalStatus(s)).reduce((sum, s) => sum + (c[s] ?? 0), 0);

/** The batch's status as it stands: CANCELLED once cancelled, else derived from its jobs. */
export function batchStatus(batch: BatchDoc, counts: StatusCounts): BatchStatusValue {
  if (batch.status === 'CANCELLED') return 'CANCELLED';
  return unfinishedCount(counts) === 0 ? 'COMPLETED' : 'RUNNING';
}

/** Its jobs by status: the stored counts of a settled batch, else read from its jobs. A job not stored yet counts as QUEUED. */
export async function batchCounts(stores: JobStores, batch: BatchDoc): Promise<StatusCounts> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
  // Counts stored before a status existed lack it: 0.
  if (batch.finishedAt !== null && batch.counts) return { ...counts, ...batch.counts };
  for (const status of await stores.jobs.statusesOf(batch.jobIds)) counts[status ?? 'QUEUED'] += 1;
  return counts;
}

const settlementClaimId = (batch: BatchDoc): string => `batch-settled:${batch._id}:${batch.reopened ?? 0}`;

/**
 * Settles the batch if all its jobs finished, and tells the notifier. Idempotent and
 * resumable. `finishing`: the job whose finish calls this (its live record is still there).
 */
export async function settleBatchIfDone(stores: JobStores, notifier: JobNotifier, batchId: string, finishing?: string): Promise<void> {
  const batch = await stores.batches.findById(batchId);
  if (!batch) return;
  let settled = batch;
  if (batch.finishedAt === null) {
    // Cheap test first: is any job not finished? Asked from the finishing job onwards, a few
    // at a time, it stops at the first one that is not.
    if (await anyUnfinished(stores, probeOrder(batch.jobIds, finishing))) return;
    const counts = await batchCounts(stores, batch);
    if (unfinishedCount(counts) > 0) return;
    const claimId = settlementClaimId(batch);
    const proposal = { finishedAt: new Date().toISOString(), status: batchStatus(batch, counts), ...counts };
    await stores.claims.tryClaim(claimId, 'settler', proposal);
    // Whoever won, the claim holds the settlement: every settler writes the same facts.
    const value = (await stores.claims.find(claimId))?.value ?? proposal;
    const agreed = {
      finishedAt: new Date(String(value.finishedAt)),
      status: value.status as BatchStatusValue,
      counts: Object.fromEntries(STATUSES.map((s) => [s, Number(value[s] ?? 0)])) as StatusCounts,
    };
    await stores.batches.update(batchId, agreed);
    settled = { ...batch, ...agreed };
  }
  await notifier.batchFinished(settled);
}

/** Jobs whose status is read at once while looking for an unfinished one. */
const STATUS_PROBE = 10;

/**
 * The batch's jobs from the one after `finishing` round to the one before it. Its
 * neighbours are the likeliest to be unfinished: jobs finishing in order (a cancel, a
 * sweep) find the next one at once, and in any order a batch of n costs about n·ln n
 * reads in all, where reading every live record per finishing job cost n scans.
 */
function probeOrder(jobIds: readonly string[], finishing: string | undefined): string[] {
  const at = finishing === undefined ? -1 : jobIds.indexOf(finishing);
  return at < 0 ? [...jobIds] : [...jobIds.slice(at + 1), ...jobIds.slice(0, at)];
}

/** True at the first of `ids` that is not finished (or not stored yet), read a few at a time. */
async function anyUnfinished(stores: JobStores, ids: readonly string[]): Promise<boolean> {
  for (let i = 0; i < ids.length; i += STATUS_PROBE) {
    for (const status of await stores.jobs.statusesOf(ids.slice(i, i + STATUS_PROBE))) {
      if (status === null || !isTerminalStatus(status)) return true;
    }
  }
  return false;
}

/** A retried job makes its batch open again (its next settlement is a new one). */
export async function reopenBatch(stores: JobStores, batchId: string): Promise<void> {
  const batch = await stores.batches.findById(batchId);
  if (!batch || batch.finishedAt === null) return;
  await stores.batches.update(batchId, {
    status: batch.status === 'CANCELLED' ? 'CANCELLED' : 'RUNNING',
    finishedAt: null,
    counts: null,
    reopened: (batch.reopened ?? 0) + 1,
  });
}
