/**
 * The lost-work sweep: finds live records whose run was lost — due long ago with no
 * wake-up taken (an API that died after inserting, a lost queue entry), or held under
 * a lease that ran out (a worker that died running or finishing the job) — and hands
 * each back to the queue. It reads `live_jobs` only, so its cost follows the work in flight.
 */
import type { Logger } from '../../log/logger.js';
import type { JobStores, JobQueue } from '../lifecycle/index.js';
import { jobsStranded } from '../../metrics/metrics.js';

export interface LostWorkSweepOptions {
  /** A due job whose wake-up was not taken for this long is woken again. */
  strandedAfterMs: number;
  /** Records read per sweep. */
  limit?: number;
}

/** One pass; returns the ids woken again. */
export async function sweepLostWork(
  stores: JobStores,
  queue: Pick<JobQueue, 'ensureWakeUps'>,
  logger: Logger,
  opts: LostWorkSweepOptions,
): Promise<string[]> {
  const now = new Date();
  const stranded = await stores.live.findStranded(now, new Date(now.getTime() - opts.strandedAfterMs), opts.limit ?? 100);
  // A job waiting behind others for a free worker has its wake-up pending: left alone.
  const woken = await queue.ensureWakeUps(stranded.map((r) => ({ jobId: r._id, priority: r.priority })));
  jobsStranded.inc(woken.length);
  if (woken.length > 0) logger.info({ jobIds: woken }, 'jobs had no wake-up pending; woken again');
  return woken;
}
