/**
 * Exclusive ownership of a job while it is changed: a worker running it, or an API
 * process cancelling or retrying it. Taking generation N+1 means inserting the claim
 * `lease:<jobId>:<N+1>`: only one inserter of an id succeeds on MongoDB and FerretDB
 * alike, so two takers that read the same generation cannot both win.
 *
 * A holder keeps its lease alive with heartbeats. If it cannot renew for half the lease
 * time it fences itself (aborts its work) before anyone else may take over at expiry,
 * so no step runs in two places at once.
 */
import type { JobDoc, LeaseDoc } from '../db/job-docs.js';
import type { JobStores } from './job-stores.js';

export interface HeldLease {
  jobId: string;
  generation: number;
  owner: string;
}

const leaseClaimId = (jobId: string, generation: number): string => `lease:${jobId}:${generation}`;

export function leaseIsLive(job: JobDoc, now = new Date()): boolean {
  return job.lease !== null && job.lease.expiresAt.getTime() > now.getTime();
}

/**
 * Takes the next generation of the job's lease, or returns undefined when someone holds
 * a live lease or won the race. The returned job is the state as of the claim.
 */
export async function acquireLease(
  stores: JobStores,
  job: JobDoc,
  owner: string,
  leaseMs: number,
): Promise<{ lease: HeldLease; job: JobDoc } | undefined> {
  if (leaseIsLive(job)) return undefined;
  const generation = job.leaseGeneration + 1;
  if (!(await stores.claims.tryClaim(leaseClaimId(job._id, generation), owner))) return undefined;
  const lease: LeaseDoc = { owner, generation, expiresAt: new Date(Date.now() + leaseMs) };
  const updated = await stores.jobs.updateIfGeneration(job._id, job.leaseGeneration, {
    $set: { lease, leaseGeneration: generation, updatedAt: new Date() },
  });
  if (!updated) return undefined;
  // Older claims of this job are no longer needed; keep the collection small.
  if (job.leaseGeneration > 0) await stores.claims.release(leaseClaimId(job._id, job.leaseGeneration)).catch(() => {});
  return { lease: { jobId: job._id, generation, owner }, job: { ...job, lease, leaseGeneration: generation } };
}

/** Extends the lease; false when it was lost (another generation took over). */
export async function renewLease(stores: JobStores, held: HeldLease, leaseMs: number): Promise<boolean> {
  return stores.jobs.updateIfGeneration(held.jobId, held.generation, { $set: { 'lease.expiresAt': new Date(Date.now() + leaseMs) } });
}

/** Gives the lease up so another process may take the job at once. */
export async function releaseLease(stores: JobStores, held: HeldLease): Promise<void> {
  await stores.jobs.updateIfGeneration(held.jobId, held.generation, { $set: { lease: null } });
}

/**
 * Renews every `leaseMs / 6`; calls `onLost` if the lease is taken over or cannot be
 * renewed for `leaseMs / 2`. Returns a stop function.
 *
 * `serialize` runs each renewal in line with the holder's other writes to the job
 * document (see `LeasedJob.exclusive`): on FerretDB a renewal overlapping a save would
 * write back the document as it was before the save, undoing it.
 */
export function keepLeaseAlive(
  stores: JobStores,
  held: HeldLease,
  leaseMs: number,
  onLost: (reason: string) => void,
  onRenewed?: () => void,
  serialize: <T>(write: () => Promise<T>) => Promise<T> = (write) => write(),
): () => void {
  const periodMs = Math.max(50, Math.floor(leaseMs / 6));
  let lastRenewed = Date.now();
  let lastTick = Date.now();
  let renewing = false;
  let stopped = false;
  const lose = (reason: string) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    onLost(reason);
  };
  const timer = setInterval(async () => {
    const now = Date.now();
    // A tick far behind schedule means this process's event loop was blocked (a long
    // synchronous task such as building the tokenizer, a GC pause): nothing of ours ran
    // meanwhile, so renew first and let the result (conditional on our generation) decide,
    // rather than giving up a lease that nobody else has taken.
    const stalled = now - lastTick > 2 * periodMs;
    lastTick = now;
    // A renewal that hangs must not keep us running past the point where others may take over.
    if (!stalled && now - lastRenewed > leaseMs / 2) return lose('the lease could not be renewed in time');
    // One renewal at a time: piling more onto a slow database only makes it slower.
    if (renewing) return;
    renewing = true;
    try {
      let sentAt = now;
      const ok = await serialize(() => {
        sentAt = Date.now();
        return stopped ? Promise.resolve(true) : renewLease(stores, held, leaseMs);
      });
      if (stopped) return;
      if (!ok) return lose('another worker took the job over');
      // The new expiry counts from when the renewal was sent, not from when it was answered.
      lastRenewed = sentAt;
      onRenewed?.();
    } catch {
      // Retried on the next tick; the staleness check above decides when to give up.
    } finally {
      renewing = false;
    }
  }, periodMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
