/**
 * cancelJob, retryJob and cancelBatch. A cancel request is a field on the job's live
 * record, set once by a conditional update: the worker running the job reads it within
 * its watch interval and aborts the in-flight AI request. A job that no worker holds is
 * cancelled right here, under a lease, so it can't race a worker that starts it. Nothing
 * here waits for a worker: the caller gets the job as it stands.
 */
import { type BatchDoc, type JobDoc, type StepDoc, isTerminalStatus } from '../../db/jobs/index.js';
import { conflict, notFound } from '../../errors/index.js';
import { cancelledJobError } from '../run/index.js';
import { completeFinished, finishJob, acquireLease, heldLiveRecord, releaseLease, type HeldLease, LeasedJob, reopenBatch, settleBatchIfDone } from '../lifecycle/index.js';
import type { JobsDomain } from './domain.js';

export async function cancelJob(d: JobsDomain, tenantId: string, jobId: string): Promise<JobDoc> {
  const job = await d.stores.jobs.findForTenant(tenantId, jobId);
  if (!job) throw notFound('job', jobId);
  if (isTerminalStatus(job.status)) return job;
  const live = await d.stores.live.findById(jobId);
  if (!live) return (await d.stores.jobs.findById(jobId)) ?? job;
  await d.stores.cancelRequests.request(jobId, new Date());
  // Read again after the request: a worker that parks the job (a review, the provider's
  // batch) lets go of its lease and then looks for a cancel request. Either it let go before
  // this read (the lease is free here) or it looks after the request was written: one of the
  // two cancels, never neither. (The request is a document of its own, which no write to the
  // live record can erase.)
  const now = await d.stores.live.findById(jobId);
  if (!now) return (await d.stores.jobs.findById(jobId)) ?? job;
  // No lease while a worker holds a live one (acquireLease checks): that worker cancels.
  const held = await acquireLease(d.stores, now, d.processId, d.leaseMs);
  if (!held) return job;
  const current = (await d.stores.jobs.findById(jobId)) ?? job;
  const leased = new LeasedJob(d.stores, current, held.lease);
  if (isTerminalStatus(current.status)) {
    await completeFinished(leased, d.notifier);
    return leased.doc;
  }
  // A step under way or waiting for its review stops here.
  const steps = leased.doc.steps.map((s): StepDoc => (s.status === 'RUNNING' || s.status === 'AWAITING_REVIEW' ? { ...s, status: 'CANCELLED', finishedAt: new Date() } : s));
  await finishJob(leased, d.notifier, 'CANCELLED', { steps, error: cancelledJobError(null) }, 'Cancelled');
  return leased.doc;
}

export async function retryJob(d: JobsDomain, tenantId: string, jobId: string): Promise<JobDoc> {
  const job = await d.stores.jobs.findForTenant(tenantId, jobId);
  if (!job) throw notFound('job', jobId);
  if (job.status !== 'FAILED' && job.status !== 'CANCELLED') {
    throw conflict(`job ${jobId} is ${job.status}; only a FAILED or CANCELLED job can be retried`);
  }
  const held = await holdFinished(d, job);
  if (!held) throw conflict(`job ${jobId} is being changed by another request; try again`);
  const leased = new LeasedJob(d.stores, (await d.stores.jobs.findById(jobId)) ?? job, held);
  if (leased.doc.status !== job.status) {
    await releaseLease(d.stores, held, new Date());
    throw conflict(`job ${jobId} is being changed by another request; try again`);
  }
  const attempt = leased.doc.attempt + 1;
  const steps = leased.doc.steps.map(
    (s): StepDoc => (s.status === 'SUCCEEDED' || s.status === 'SKIPPED' ? s : { ...s, status: 'PENDING', error: null, finishedAt: null, durationMs: null }),
  );
  // A cancel carried out before is not asked for again by the retry.
  await d.stores.cancelRequests.clear(jobId);
  // A settled batch is open again while one of its jobs runs once more.
  if (leased.doc.batchId) await reopenBatch(d.stores, leased.doc.batchId);
  // A retry after a rejected review asks its reviews again: answers of the last round do not count.
  const reviewRound = (leased.doc.reviewRound ?? 0) + (leased.doc.error?.code === 'REVIEW_REJECTED' ? 1 : 0);
  await leased.save(
    { status: 'QUEUED', steps, attempt, maxAttempts: Math.max(leased.doc.maxAttempts, attempt), error: null, result: null, finishedAt: null, reviewRound },
    'Queued for a retry',
  );
  await leased.emit('QUEUED', { message: `Retry requested: attempt ${attempt}, from step "${steps.find((s) => s.status === 'PENDING')?.name ?? 'none'}"` });
  const now = new Date();
  await releaseLease(d.stores, held, now);
  await d.queue.enqueue(jobId, leased.doc.priority, now);
  return leased.doc;
}

/**
 * The lease of a finished job: a new live record inserted already held (the insert is
 * the exclusive step), or, when its record is still there because its after-finish work
 * is owed, that record's lease, with that work completed first.
 */
async function holdFinished(d: JobsDomain, job: JobDoc): Promise<HeldLease | undefined> {
  const deadline = Date.now() + FINISHING_WAIT_MS;
  for (;;) {
    const fresh = heldLiveRecord(job._id, job.priority, d.processId, d.leaseMs);
    if (await d.stores.live.insertIfAbsent(fresh.live)) return fresh.lease;
    const live = await d.stores.live.findById(job._id);
    // Retired between the insert and the read: the insert goes through next time.
    const held = live ? await acquireLease(d.stores, live, d.processId, d.leaseMs) : undefined;
    if (held) return completeThenHold(d, job, held.lease);
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A job is shown finished as soon as its terminal state is saved, while its holder still
 * owes the after-finish work (event, webhooks, batch) under its lease: that takes
 * milliseconds, so a retry asked for at once waits this long for it rather than answering
 * CONFLICT.
 */
const FINISHING_WAIT_MS = 3_000;

async function completeThenHold(d: JobsDomain, job: JobDoc, held: HeldLease): Promise<HeldLease | undefined> {
  const leased = new LeasedJob(d.stores, job, held);
  // completeFinished retires the record; take a fresh one for the retry.
  await completeFinished(leased, d.notifier);
  const again = heldLiveRecord(job._id, job.priority, d.processId, d.leaseMs);
  return (await d.stores.live.insertIfAbsent(again.live)) ? again.lease : undefined;
}

/** The request's deadline as a batch cancel sees it: how long it may still take before answering. */
export interface AnswerDeadline {
  remainingMs(): number;
}

/** Batches whose jobs this process is cancelling in the background: a second cancelBatch adds no second sweep. */
const sweeping = new Set<string>();

/**
 * Marks the batch CANCELLED at once, then cancels its jobs for as long as half the request's
 * remaining time allows (all of them without a deadline); the rest are cancelled in the
 * background, and the answer counts them (`Batch.cancelling`). Should this process die first,
 * nothing is lost: a worker cancels a job of a CANCELLED batch instead of starting it, and
 * stops one it is running (runner.ts).
 */
export async function cancelBatch(d: JobsDomain, tenantId: string, batchId: string, deadline?: AnswerDeadline | null): Promise<BatchDoc> {
  const batch = await d.stores.batches.findForTenant(tenantId, batchId);
  if (!batch) throw notFound('batch', batchId);
  if (batch.finishedAt) return batch;
  if (batch.status !== 'CANCELLED') await d.stores.batches.update(batchId, { status: 'CANCELLED' });
  const until = deadline ? Date.now() + deadline.remainingMs() / 2 : Infinity;
  const pending = [...batch.jobIds];
  // Queued jobs are cancelled here; running ones by their workers, within a second or so.
  while (pending.length > 0 && Date.now() < until) await cancelJob(d, tenantId, pending.shift()!);
  if (pending.length === 0) await settleBatchIfDone(d.stores, d.notifier, batchId);
  else if (!sweeping.has(batchId)) void cancelInBackground(d, tenantId, batchId, pending);
  return (await d.stores.batches.findById(batchId)) ?? batch;
}

async function cancelInBackground(d: JobsDomain, tenantId: string, batchId: string, jobIds: string[]): Promise<void> {
  sweeping.add(batchId);
  try {
    for (const id of jobIds) await cancelJob(d, tenantId, id);
    await settleBatchIfDone(d.stores, d.notifier, batchId);
  } catch (err) {
    d.logger.warn({ err, batchId }, 'cancelling the rest of a batch failed; the workers cancel its jobs as they come up');
  } finally {
    sweeping.delete(batchId);
  }
}
