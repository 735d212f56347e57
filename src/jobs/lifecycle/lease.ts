/**
 * Exclusive ownership of a job while it is changed: a worker running it, or an API
 * process cancelling or retrying it. The lease lives on the job's live record. Taking
 * generation N+1 means inserting the claim `lease:<jobId>:<N+1>`: only one inserter of an
 * id succeeds on MongoDB and FerretDB alike, so two takers that read the same generation
 * cannot both win.
 *
 * A holder keeps its lease alive with heartbeats. Whether it still holds the lease is
 * judged by the record: a renewal conditional on its generation that the database
 * answers. If the database answers "not yours" the holder stops at once; if it does not
 * answer, nobody else can take the lease either, so the holder keeps working and renews
 * as soon as the database is back (see `keepLeaseAlive`).
 */
import type { LeaseDoc, LiveJobDoc } from '../../db/jobs/index.js';
import { isTransientDbError } from '../../db/transient-error.js';
import type { JobStores } from './stores.js';

export interface HeldLease {
  jobId: string;
  generation: number;
  owner: string;
}

const leaseClaimId = (jobId: string, generation: number): string => `lease:${jobId}:${generation}`;

export function leaseIsLive(live: Pick<LiveJobDoc, 'lease'>, now = new Date()): boolean {
  return live.lease !== null && live.lease.expiresAt.getTime() > now.getTime();
}

/**
 * Takes the next generation of the job's lease, or returns undefined when someone holds
 * a live lease or won the race. The returned record is the state as of the claim.
 */
export async function acquireLease(
  stores: JobStores,
  live: LiveJobDoc,
  owner: string,
  leaseMs: number,
): Promise<{ lease: HeldLease; live: LiveJobDoc } | undefined> {
  if (leaseIsLive(live)) return undefined;
  const generation = live.leaseGeneration + 1;
  if (!(await stores.leaseClaims.tryClaim(leaseClaimId(live._id, generation), owner))) return undefined;
  const lease: LeaseDoc = { owner, generation, expiresAt: new Date(Date.now() + leaseMs) };
  // Taking the lease starts the attempt: the record is no longer waiting for a time.
  const updated = await stores.live.updateIfGeneration(live._id, live.leaseGeneration, {
    $set: { lease, leaseGeneration: generation, runAt: null },
  });
  if (!updated) return undefined;
  // The previous generation's claim is no longer needed; keep the collection small. (Generation 0,
  // a new record's, was never claimed: claims start at 1.)
  if (live.leaseGeneration > 0) await stores.leaseClaims.release(leaseClaimId(live._id, live.leaseGeneration)).catch(() => {});
  return { lease: { jobId: live._id, generation, owner }, live: { ...live, lease, leaseGeneration: generation, runAt: null } };
}

/**
 * A live record that starts held by `owner` (a retry reopening a finished job). Its
 * generations start at the current time in milliseconds, above any generation of an
 * earlier life of the job, so a claim an earlier life left behind can never collide.
 */
export function heldLiveRecord(jobId: string, priority: number, owner: string, leaseMs: number): { live: LiveJobDoc; lease: HeldLease } {
  const generation = Date.now();
  const now = new Date();
  const live: LiveJobDoc = {
    _id: jobId,
    priority,
    runAt: null,
    lease: { owner, generation, expiresAt: new Date(now.getTime() + leaseMs) },
    leaseGeneration: generation,
    createdAt: now,
  };
  return { live, lease: { jobId, generation, owner } };
}

/** True while `held` is the record's current generation (one read by `_id`). */
export async function stillHeld(stores: JobStores, held: HeldLease): Promise<boolean> {
  const live = await stores.live.findById(held.jobId);
  return live?.leaseGeneration === held.generation;
}

/** Extends the lease; false when it was lost (another generation took over). */
export async function renewLease(stores: JobStores, held: HeldLease, leaseMs: number): Promise<boolean> {
  return stores.live.updateIfGeneration(held.jobId, held.generation, { $set: { 'lease.expiresAt': new Date(Date.now() + leaseMs) } });
}

/** Gives the lease up; the job is due again at `runAt` (another worker may take it then), and no longer parked. */
export async function releaseLease(stores: JobStores, held: HeldLease, runAt: Date): Promise<void> {
  await stores.live.updateIfGeneration(held.jobId, held.generation, { $set: { lease: null, runAt, parked: null } });
}

/** The job is done with: its live record and its lease claim go. `surelyHeld`: the holder knows the lease is its own (LeasedJob). */
export async function retireLiveRecord(stores: JobStores, held: HeldLease, surelyHeld = false): Promise<void> {
  if (!surelyHeld && !(await stillHeld(stores, held))) return;
  // The request first: a record left without it after a crash is finished anyway.
  await stores.cancelRequests.clear(held.jobId);
  await stores.live.delete(held.jobId);
  await stores.leaseClaims.release(leaseClaimId(held.jobId, held.generation)).catch(() => {});
}

/**
 * Renews every `leaseMs / 6`; calls `onLost` when a renewal is answered "not yours", or
 * when renewals kept failing with errors the server itself returned for `leaseMs / 2`.
 * A renewal that goes unanswered (the database unreachable, frozen or slow) does not
 * count against the holder: nobody else can take the lease meanwhile except through the
 * same database, and the first renewal answered says whether it is still ours. While
 * unanswered, renewals are retried every `retryMs`. Returns a stop function.
 *
 * `serialize` runs each renewal in line with the holder's other writes (see
 * `LeasedJob.exclusive`).
 */
export function keepLeaseAlive(
  stores: JobStores,
  held: HeldLease,
  leaseMs: number,
  onLost: (reason: string) => void,
  onRenewed?: (expiresAt: number) => void,
  serialize: <T>(write: () => Promise<T>) => Promise<T> = (write) => write(),
  retryMs = 250,
): () => void {
  const periodMs = Math.max(50, Math.floor(leaseMs / 6));
  let lastRenewed = Date.now();
  let lastAttempt = Date.now();
  /** Since when renewals have been refused by the server with an error (not unreachable). */
  let failingSince: number | null = null;
  let unreachable = false;
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
    if (failingSince !== null && now - failingSince > leaseMs / 2) return lose('the lease could not be renewed in time');
    if (renewing || now - lastAttempt < (unreachable ? retryMs : periodMs)) return;
    renewing = true;
    lastAttempt = now;
    try {
      let sentAt = now;
      const ok = await serialize(() => {
        sentAt = Date.now();
        return stopped ? Promise.resolve(true) : renewLease(stores, held, leaseMs);
      });
      if (stopped) return;
      if (!ok) return lose('another worker took the job over');
      unreachable = false;
      failingSince = null;
      // The new expiry counts from when the renewal was sent, not from when it was answered.
      lastRenewed = sentAt;
      onRenewed?.(sentAt + leaseMs);
    } catch (err) {
      unreachable = isTransientDbError(err);
      if (unreachable) failingSince = null;
      else failingSince ??= lastRenewed;
    } finally {
      renewing = false;
    }
  }, Math.min(periodMs, retryMs));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
