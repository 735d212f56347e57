/**
 * Terminal transitions, shared by the runner, API-side cancellation and the lost-work
 * sweep. The terminal state is saved first; what it owes afterwards (its terminal event,
 * its webhooks, its batch's settlement) is owed for as long as its live record exists,
 * so a crash anywhere in between leaves a record the lost-work sweep finds and completes.
 */
import { eventId, type JobDoc, isTerminalStatus } from '../../db/jobs/index.js';
import { settleBatchIfDone } from './batch-settlement.js';
import { retireLiveRecord } from './lease.js';
import type { JobEventSpec, LeasedJob } from './leased-job.js';
import type { JobNotifier } from './notifier.js';
import { jobRunSeconds, jobsFinished } from '../../metrics/metrics.js';

export type TerminalStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/**
 * Saves the terminal state (with `set`: the last step's outcome too, in the same write), then
 * appends `before` (the events of what that write also recorded) and the terminal event in
 * one append, then does what finishing owes.
 */
export async function finishJob(
  job: LeasedJob,
  notifier: JobNotifier,
  status: TerminalStatus,
  set: Partial<JobDoc>,
  message: string,
  before: readonly JobEventSpec[] = [],
): Promise<void> {
  await job.save({ ...set, status, finishedAt: new Date() }, message);
  jobsFinished.inc({ kind: job.doc.kind, status });
  if (job.doc.startedAt) jobRunSeconds.observe({ kind: job.doc.kind, status }, (job.doc.finishedAt!.getTime() - job.doc.startedAt.getTime()) / 1000);
  await job.emitMany([...before, { type: status, message }]);
  await afterFinish(job, notifier);
}

/**
 * Completes a finished job whose holder may have died after saving its terminal state:
 * appends the terminal event if the job's last event is not one, then does the rest.
 * Idempotent; the caller holds the job's lease.
 */
export async function completeFinished(job: LeasedJob, notifier: JobNotifier): Promise<void> {
  const status = job.doc.status;
  if (status !== 'SUCCEEDED' && status !== 'FAILED' && status !== 'CANCELLED') throw new Error(`job ${job.id} is ${status}, not finished`);
  const last = await job.durably(() => job.stores.events.lastSequence(job.id));
  const lastEvent = last === 0 ? null : await job.durably(() => job.stores.events.collection.findOne({ _id: eventId(job.id, last) }));
  if (!lastEvent || !isTerminalStatus(lastEvent.jobStatus) || lastEvent.type !== status) {
    await job.emit(status, { message: job.doc.progress.message ?? status.toLowerCase() });
  }
  await afterFinish(job, notifier);
}

/** Webhooks, the batch, then the live record goes. Each part is idempotent. */
async function afterFinish(job: LeasedJob, notifier: JobNotifier): Promise<void> {
  await job.durably(() => notifier.jobFinished(job.doc));
  // The answers kept for resuming serve no more: every step is saved SUCCEEDED. (A failed or
  // cancelled job keeps its own: a retry resumes from them instead of paying again.)
  if (job.doc.status === 'SUCCEEDED') await job.durably(() => job.stores.checkpoints.deleteForJob(job.id));
  // Answers to its reviews (early ones for steps never reached too) serve only an unfinished job.
  await job.durably(() => job.stores.reviewAnswers.deleteForJob(job.id));
  // Its lines not yet in a provider batch are never sent (a cancel drops them), and its calls are forgotten;
  // a provider batch none of whose jobs waits any more is cancelled by the next batch round.
  if (job.doc.executionMode === 'BATCH') await job.durably(() => job.stores.batchCalls.dropForJob(job.id, { calls: true }));
  if (job.doc.batchId) {
    const batchId = job.doc.batchId;
    await job.durably(() => settleBatchIfDone(job.stores, notifier, batchId, job.id));
  }
  await job.durably(() => retireLiveRecord(job.stores, job.lease, job.leaseSurelyHeld()));
}
