/**
 * cancelJob, retryJob and cancelBatch. A cancel is first recorded as a claim
 * (`cancel:<jobId>`) that any worker running the job sees within its cancel-watch
 * interval and acts on by aborting the in-flight AI request. A job that no worker holds
 * is cancelled right here, under a lease, so it can't race a worker that starts it.
 */
import type { BatchDoc, JobDoc, StepDoc } from '../db/job-docs.js';
import { isTerminalStatus } from '../db/job-docs.js';
import { conflict, notFound } from '../errors/index.js';
import { cancelledJobError } from './job-error.js';
import { finishJob } from './job-finish.js';
import type { JobsDomain } from './jobs-domain.js';
import { acquireLease, releaseLease } from './lease.js';
import { LeasedJob } from './leased-job.js';
import { settleBatchIfDone } from './batch-settlement.js';

export const cancelClaimId = (jobId: string): string => `cancel:${jobId}`;

/** How long cancelJob waits for a running job's worker to confirm. */
const CANCEL_CONFIRM_MS = 3_000;

export async function cancelJob(d: JobsDomain, tenantId: string, jobId: string, wait = true): Promise<JobDoc> {
  const job = await d.stores.jobs.findForTenant(tenantId, jobId);
  if (!job) throw notFound('job', jobId);
  if (isTerminalStatus(job.status)) return job;
  await d.stores.claims.tryClaim(cancelClaimId(jobId), d.processId);
  // No lease while a worker holds a live one (acquireLease checks): that worker cancels.
  const held = await acquireLease(d.stores, job, d.processId, d.leaseMs);
  if (held) {
    const leased = new LeasedJob(d.stores, held.job, held.lease);
    const steps = leased.doc.steps.map((s): StepDoc => (s.status === 'RUNNING' ? { ...s, status: 'CANCELLED', finishedAt: new Date() } : s));
    await finishJob(leased, d.notifier, 'CANCELLED', { steps, error: cancelledJobError(null) }, 'Cancelled');
    return leased.doc;
  }
  if (!wait) return job;
  return waitForTerminal(d, jobId, CANCEL_CONFIRM_MS, job);
}

async function waitForTerminal(d: JobsDomain, jobId: string, timeoutMs: number, fallback: JobDoc): Promise<JobDoc> {
  const deadline = Date.now() + timeoutMs;
  let latest = fallback;
  while (Date.now() < deadline) {
    latest = (await d.stores.jobs.findById(jobId)) ?? latest;
    if (isTerminalStatus(latest.status)) return latest;
    await new Promise((r) => setTimeout(r, 100));
  }
  return latest;
}

export async function retryJob(d: JobsDomain, tenantId: string, jobId: string): Promise<JobDoc> {
  const job = await d.stores.jobs.findForTenant(tenantId, jobId);
  if (!job) throw notFound('job', jobId);
  if (job.status !== 'FAILED' && job.status !== 'CANCELLED') {
    throw conflict(`job ${jobId} is ${job.status}; only a FAILED or CANCELLED job can be retried`);
  }
  const held = await acquireLease(d.stores, job, d.processId, d.leaseMs);
  if (!held) throw conflict(`job ${jobId} is being changed by another request; try again`);
  const leased = new LeasedJob(d.stores, held.job, held.lease);
  await d.stores.claims.release(cancelClaimId(jobId));
  const attempt = leased.doc.attempt + 1;
  const steps = leased.doc.steps.map(
    (s): StepDoc => (s.status === 'SUCCEEDED' || s.status === 'SKIPPED' ? s : { ...s, status: 'PENDING', error: null, finishedAt: null, durationMs: null }),
  );
  const now = new Date();
  await leased.save(
    { status: 'QUEUED', steps, attempt, maxAttempts: Math.max(leased.doc.maxAttempts, attempt), error: null, result: null, finishedAt: null, runAt: now },
    'Queued for a retry',
  );
  await leased.emit('QUEUED', { message: `Retry requested: attempt ${attempt}, from step "${steps.find((s) => s.status === 'PENDING')?.name ?? 'none'}"` });
  await releaseLease(d.stores, held.lease);
  await d.queue.enqueue(jobId, leased.doc.priority, now);
  return { ...leased.doc, lease: null };
}

export async function cancelBatch(d: JobsDomain, tenantId: string, batchId: string): Promise<BatchDoc> {
  const batch = await d.stores.batches.findForTenant(tenantId, batchId);
  if (!batch) throw notFound('batch', batchId);
  if (batch.status !== 'CANCELLED' && !batch.finishedAt) {
    await d.stores.batches.update(batchId, { status: 'CANCELLED' });
  }
  // Queued jobs are cancelled here; running ones by their workers, within seconds.
  for (const id of await d.stores.jobs.findUnfinishedIdsInBatch(batchId)) await cancelJob(d, tenantId, id, false);
  await settleBatchIfDone(d.stores, d.notifier, batchId);
  return (await d.stores.batches.findById(batchId)) ?? batch;
}
