/**
 * The runner's side of parking (lifecycle/park.ts): a step threw ParkRequest because the job
 * waits for something outside (a review, the provider's batch); the job is parked and the
 * worker's slot is free.
 */
import type { StepDoc } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';
import { finishJob, type JobNotifier, type JobStores, type LeasedJob, type ParkRequest, parkJob, wakeParked } from '../lifecycle/index.js';
import { cancelledJobError } from './retrying.js';

export interface ParkingDeps {
  stores: JobStores;
  notifier: JobNotifier;
  /** This worker, in the lease a cancel takes. */
  owner: string;
  leaseMs: number;
}

/**
 * Parks the held job, then runs the request's `afterPark` (which ends the wait at once if it
 * ended meanwhile) and carries out a cancel asked for while the job was being parked, since no
 * worker will run the job to see it. A failure after the park leaves the job parked: whatever
 * ends its wait (an answer's timer, a cancel) wakes it later.
 */
export async function parkRunningJob(deps: ParkingDeps, job: LeasedJob, request: ParkRequest, stopHeartbeat: () => void, log: Logger): Promise<void> {
  const { stores, notifier } = deps;
  stopHeartbeat();
  // In line with a renewal that may be in flight: it must not write the lease back after the park.
  if (!(await job.exclusive(() => job.durably(() => parkJob(stores, job.lease, request.park))))) return log.warn('lease lost before the job could be parked');
  log.info({ status: request.park.status }, 'job parked; waiting');
  try {
    await request.afterPark();
    if (await stores.cancelRequests.has(job.id)) {
      const wake = { stores, owner: deps.owner, leaseMs: deps.leaseMs, requeue: async () => {} };
      await wakeParked(wake, job.id, [request.park.status], async (parked) => {
        // The step that waited (for a review, or under way in the provider's batch) stops here.
        const steps = parked.doc.steps.map((s): StepDoc => (s.status === 'AWAITING_REVIEW' || s.status === 'RUNNING' ? { ...s, status: 'CANCELLED', finishedAt: new Date() } : s));
        await finishJob(parked, notifier, 'CANCELLED', { steps, error: cancelledJobError(null) }, 'Cancelled');
        return 'finished';
      });
    }
  } catch (err) {
    log.warn({ err }, 'checking a parked job failed');
  }
}
