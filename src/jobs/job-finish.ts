/**
 * Terminal transitions, shared by the runner and by API-side cancellation. The terminal
 * state and the `webhooksPending` outbox flag are written together, so a crash before
 * the notifier ran leaves a flag that the worker's sweeper finds and completes.
 */
import type { JobDoc } from '../db/job-docs.js';
import { settleBatchIfDone } from './batch-settlement.js';
import type { JobStores } from './job-stores.js';
import type { LeasedJob } from './leased-job.js';
import type { JobNotifier } from './notifier.js';

export type TerminalStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export async function finishJob(
  job: LeasedJob,
  notifier: JobNotifier,
  status: TerminalStatus,
  set: Partial<JobDoc>,
  message: string,
): Promise<void> {
  await job.save({ ...set, status, finishedAt: new Date(), runAt: null, lease: null, webhooksPending: true }, message);
  await job.emit(status, { message });
  await notifyFinished(job.stores, notifier, job.doc);
}

/** Records the webhooks of a finished job, then settles its batch. Idempotent. */
export async function notifyFinished(stores: JobStores, notifier: JobNotifier, job: JobDoc): Promise<void> {
  await notifier.jobFinished(job);
  await stores.jobs.clearWebhooksPending(job._id);
  if (job.batchId) await settleBatchIfDone(stores, notifier, job.batchId);
}
