/**
 * Starting SCHEDULED jobs (submitted with a `runAt`) when their time comes: the handlers of
 * the 'run-at' (one job) and 'run-at-batch' (every job of a batch) timers. Each job is woken
 * from its park (park.ts) under a fresh lease: QUEUED, with its QUEUED event, then into its
 * tenant's backlog like a new submission, so a large batch starting at once is admitted in
 * turns with other tenants' work. Idempotent: a job already started, or cancelled, is not
 * parked any more and is left alone.
 */
import type { JobDoc } from '../../db/jobs/index.js';
import { wakeParked } from './park.js';
import type { JobQueue } from './queue.js';
import type { JobStores } from './stores.js';

export interface ScheduledStartDeps {
  stores: JobStores;
  queue: Pick<JobQueue, 'submit'>;
  /** This process, in the leases it takes. */
  owner: string;
  leaseMs: number;
}

export async function startScheduledJob(deps: ScheduledStartDeps, jobId: string): Promise<void> {
  const { stores, owner, leaseMs } = deps;
  const requeue = (job: JobDoc) => deps.queue.submit(job._id, job.tenantId, job.priority);
  await wakeParked({ stores, owner, leaseMs, requeue }, jobId, ['SCHEDULED'], async (job) => {
    await job.save({ status: 'QUEUED' }, 'Queued');
    await job.emit('QUEUED', { message: `Queued: its start time ${job.doc.runAt?.toISOString() ?? ''} has come` });
    return 'queue';
  });
}

export async function startScheduledBatch(deps: ScheduledStartDeps, batchId: string): Promise<void> {
  const batch = await deps.stores.batches.findById(batchId);
  for (const jobId of batch?.jobIds ?? []) await startScheduledJob(deps, jobId);
}
