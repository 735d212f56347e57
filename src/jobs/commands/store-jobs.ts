/**
 * Storing submitted jobs: their live records, the job records and their first events, then
 * their wake-ups. A job submitted with a start time (`runAt`) is SCHEDULED: its live record is
 * parked (lifecycle/park.ts: no runAt, no lease, no wake-up), a timer starts it, and its first
 * event is SCHEDULED instead of QUEUED.
 */
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import type { JobDoc, LiveJobDoc } from '../../db/jobs/index.js';
import { traceIdField } from '../lifecycle/index.js';
import { jobsSubmitted } from '../../metrics/metrics.js';
import type { JobsDomain } from './domain.js';

/** Jobs written per round trip by analyzeDocuments: bounded, so no single write grows with the batch. */
export const STORE_BATCH = 50;

/** The timer that starts a SCHEDULED job (a batch's jobs share one: `runAtBatchTimerId`). */
export const runAtTimerId = (jobId: string): string => `run-at:${jobId}`;
export const runAtBatchTimerId = (batchId: string): string => `run-at-batch:${batchId}`;

/** The live record of a new job: due at once, or parked until its start time. */
export const newLiveRecord = (job: JobDoc): LiveJobDoc => ({
  _id: job._id,
  priority: job.priority,
  runAt: job.status === 'SCHEDULED' ? null : job.createdAt,
  lease: null,
  leaseGeneration: 0,
  createdAt: job.createdAt,
  ...(job.status === 'SCHEDULED' ? { parked: { status: 'SCHEDULED' as const, since: job.createdAt, until: job.runAt ?? null } } : {}),
});

/**
 * Stores the live records, the jobs and their first events (number 1). Live records
 * first: a crash after them leaves records the lost-work sweep sees (and drops once they
 * prove to have no job), never a job that nothing would run. A SCHEDULED job's timer is set
 * before all of it (a batch's by analyzeDocuments): it finds nothing to start if the rest
 * never came.
 */
export async function store(d: JobsDomain, jobs: JobDoc[]): Promise<void> {
  for (const job of jobs) if (job.status === 'SCHEDULED' && !job.batchId) await d.timers.set(runAtTimerId(job._id), 'run-at', job._id, job.runAt!);
  await d.stores.live.insertMany(jobs.map(newLiveRecord));
  await d.stores.jobs.insertMany(jobs);
  for (const job of jobs) jobsSubmitted.inc({ kind: job.kind });
  for (const job of jobs) await appendFirstEvent(d, job);
}

/**
 * `store` in rounds of STORE_BATCH: each round's writes stay small whatever the batch's
 * size, and a request that dies part way leaves whole rounds that a replay with the key
 * completes (storeMissing) rather than duplicates.
 */
export async function storeInBatches(d: JobsDomain, jobs: JobDoc[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += STORE_BATCH) await store(d, jobs.slice(i, i + STORE_BATCH));
}

/** `store` for what of these jobs is not stored yet (a replay), one by one; returns the jobs it stored or repaired. */
export async function storeMissing(d: JobsDomain, jobs: JobDoc[]): Promise<JobDoc[]> {
  const repaired: JobDoc[] = [];
  for (const job of jobs) {
    const stored = await d.stores.jobs.findById(job._id);
    if (stored) {
      if (stored.status !== 'QUEUED' && stored.status !== 'SCHEDULED') continue;
      // Never started: its live record and its first event may be what a crash left out.
      if ((await d.stores.events.lastSequence(job._id)) === 0) await appendFirstEvent(d, stored);
      if (await d.stores.live.insertIfAbsent(newLiveRecord(stored))) repaired.push(stored);
      continue;
    }
    try {
      await store(d, [job]);
      repaired.push(job);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  return repaired;
}

/** A job inserted just now has no events yet: its QUEUED (or SCHEDULED) event is number 1. */
async function appendFirstEvent(d: JobsDomain, job: JobDoc): Promise<void> {
  const scheduled = job.status === 'SCHEDULED';
  await d.stores.events.append(
    {
      jobId: job._id,
      tenantId: job.tenantId,
      batchId: job.batchId,
      type: scheduled ? 'SCHEDULED' : 'QUEUED',
      step: null,
      progress: job.progress,
      message: scheduled ? `Scheduled for ${job.runAt!.toISOString()}` : 'Queued',
      jobStatus: job.status,
      ...traceIdField(job),
    },
    0,
  );
}

/** Queues each job due now in its tenant's backlog (a SCHEDULED one waits for its timer); one lost here is woken by the lost-work sweep. */
export async function wake(d: JobsDomain, jobs: JobDoc[]): Promise<void> {
  for (const job of jobs) if (job.status !== 'SCHEDULED') await d.queue.submit(job._id, job.tenantId, job.priority);
}
