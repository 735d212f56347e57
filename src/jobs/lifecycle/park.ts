/**
 * Parking: a job that waits for something outside the service — a person's review, its
 * start time, and next a provider's batch — holds no worker while it waits, however long.
 *
 * A parked job
 * - has a status that says what it waits for (AWAITING_REVIEW, SCHEDULED …);
 * - has a live record with no lease and no runAt, and `parked: { status, since, until }`: no
 *   worker runs it (the runner skips a parked record), no poll is busy with it (the lost-work
 *   sweep looks for records that are due or whose lease ran out), and cancelJob still reaches
 *   it (it takes the free lease and finishes the job CANCELLED);
 * - is woken by whoever learns that the wait is over (an answer, a timer): `wakeParked` takes
 *   a fresh lease of the record (a unique claim, so of two wakers one acts), lets the caller
 *   change the job under it (its status, an event, or finishing it), and puts it back in the
 *   queue: the record is due now and a wake-up is queued.
 *
 * A wait that ends by itself (a review's timeout, a start time) has a timer in `job_timers`
 * (timers.ts), never a runAt on the live record.
 *
 * Crash safety. A holder parks only after it saved what the job waits for; dying before that
 * leaves a lease that runs out, the lost-work sweep wakes the job and the runner resumes the
 * step, which asks again (idempotently). A waker that dies holding the lease leaves a parked
 * record whose lease runs out: the runner then parks it again if the job still shows its
 * parked status (nothing was changed; what woke it, a timer or an answer's check, fires
 * again), or runs it (the change was saved; only the release was lost): `recoverInterruptedWake`.
 */
import type { JobDoc, LiveJobDoc, ParkDoc, ParkedStatusValue } from '../../db/jobs/index.js';
import { acquireLease, leaseIsLive, releaseLease, type HeldLease } from './lease.js';
import { LeasedJob } from './leased-job.js';
import type { JobStores } from './stores.js';

/** What a parked job's resumption does: go back to the queue, was finished (or already gone), or stays parked. */
export type WakeOutcome = 'queue' | 'finished' | 'stay';

export interface WakeDeps {
  stores: JobStores;
  /** Names the waker in the lease it takes (its process id). */
  owner: string;
  leaseMs: number;
  /** Puts the woken job back in the queue (a wake-up now, or the submission backlog). */
  requeue(job: JobDoc): Promise<void>;
}

export const isParked = (live: Pick<LiveJobDoc, 'parked'>): boolean => live.parked !== undefined && live.parked !== null;

/** A park record for `status`, since now. */
export const parkFor = (status: ParkedStatusValue, until: Date | null = null): ParkDoc => ({ status, since: new Date(), until });

/**
 * Parks a job whose lease `held` is: the record lets go of the lease and holds no runAt.
 * The caller has saved the job's parked status first. False when the lease was lost.
 */
export function parkJob(stores: JobStores, held: HeldLease, park: ParkDoc): Promise<boolean> {
  return stores.live.updateIfGeneration(held.jobId, held.generation, { $set: { lease: null, runAt: null, parked: park } });
}

/**
 * Wakes a parked job: takes a fresh lease of its record, calls `resume` with the job under it,
 * and then, as `resume` says, queues the job (due now, a wake-up queued), leaves it finished,
 * or parks it again. Returns what happened: 'absent' when there is no parked record (finished,
 * woken by someone else, not parked yet) or another waker holds it, else `resume`'s answer.
 * `expect` limits it to jobs parked for these reasons.
 */
export async function wakeParked(
  deps: WakeDeps,
  jobId: string,
  expect: readonly ParkedStatusValue[],
  resume: (job: LeasedJob) => Promise<WakeOutcome>,
): Promise<WakeOutcome | 'absent'> {
  const live = await deps.stores.live.findById(jobId);
  if (!live?.parked || !expect.includes(live.parked.status)) return 'absent';
  const park = live.parked;
  const claimed = await acquireLease(deps.stores, live, deps.owner, deps.leaseMs);
  if (!claimed) return 'absent';
  const doc = await deps.stores.jobs.findById(jobId);
  if (!doc) {
    // A submission that died between the live record and the job: once it is clearly gone, so is the record.
    if (Date.now() - live.createdAt.getTime() > 2 * deps.leaseMs) {
      await deps.stores.live.delete(jobId);
      return 'absent';
    }
    await parkJob(deps.stores, claimed.lease, park);
    throw new Error(`job ${jobId} is not stored yet; its wake-up is tried again`);
  }
  const job = new LeasedJob(deps.stores, doc, claimed.lease);
  let outcome: WakeOutcome;
  try {
    outcome = await resume(job);
  } catch (err) {
    // Nothing decided: parked as before (a write that went through is found by the next waker).
    await parkJob(deps.stores, claimed.lease, park).catch(() => {});
    throw err;
  }
  if (outcome === 'stay') await parkJob(deps.stores, claimed.lease, park);
  else if (outcome === 'queue') await requeueNow(deps, job);
  return outcome;
}

/** The record is due now (no longer parked), then a wake-up: a crash in between leaves a due record the lost-work sweep wakes. */
async function requeueNow(deps: WakeDeps, job: LeasedJob): Promise<void> {
  await releaseLease(deps.stores, job.lease, new Date());
  await deps.requeue(job.doc);
}

/**
 * For the runner, given a parked record: 'skip' when nobody may run it now (it waits, or a
 * waker holds it); else the lease of a waker that died ran out, and it is taken: the job is
 * parked again when it still shows its parked status, or its record is un-parked and the
 * runner runs it ('run', with the lease).
 */
export async function recoverInterruptedWake(
  stores: JobStores,
  live: LiveJobDoc,
  owner: string,
  leaseMs: number,
): Promise<{ action: 'skip' } | { action: 'run'; lease: HeldLease; live: LiveJobDoc }> {
  const park = live.parked;
  if (!park || live.lease === null || leaseIsLive(live)) return { action: 'skip' };
  const claimed = await acquireLease(stores, live, owner, leaseMs);
  if (!claimed) return { action: 'skip' };
  const doc = await stores.jobs.findById(live._id);
  if (!doc || doc.status === park.status) {
    await parkJob(stores, claimed.lease, park);
    return { action: 'skip' };
  }
  await stores.live.updateIfGeneration(live._id, claimed.lease.generation, { $set: { parked: null } });
  return { action: 'run', lease: claimed.lease, live: { ...claimed.live, parked: null } };
}

/**
 * Thrown by a step that has to wait for something outside, once it saved what it waits for:
 * the runner parks the job (frees the worker's slot), then calls `afterPark`, which wakes the
 * job at once if the wait ended meanwhile (an answer given while it was being parked). Nothing
 * failed, so it is no error of the job's.
 */
export class ParkRequest extends Error {
  override readonly name = 'ParkRequest';
  constructor(
    readonly park: ParkDoc,
    readonly afterPark: () => Promise<void> = async () => {},
  ) {
    super(`the job waits: ${park.status}`);
  }
}
