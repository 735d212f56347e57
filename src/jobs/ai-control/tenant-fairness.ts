/**
 * Tenant fairness: a tenant holds at most TENANT_MAX_RUNNING running jobs across all
 * workers, so a tenant's large backlog cannot take every worker while another tenant's
 * job waits. A job must take one of its tenant's seats before it is leased; a job that
 * finds them all held by running jobs is put back in the queue a moment later, behind
 * other tenants' work. A seat is never released explicitly: it is free again as soon as
 * its holder is not running (finished, waiting for a retry, parked, or its lease expired).
 */
import { type JobDoc, type LiveJobDoc, isTerminalStatus } from '../../db/jobs/index.js';
import type { TenantSeatsRepository } from '../../db/tenants/index.js';

export interface TenantFairnessOptions {
  /** Jobs of one tenant running at once across all workers (TENANT_MAX_RUNNING). @default half of WORKER_CONCURRENCY, at least 1 */
  maxRunning: number;
  /** A deferred job runs again after this long (plus up to as much again, at random). @default 1,000 ms */
  deferMs: number;
  /**
   * A seat taken this recently by a job not yet running is not handed over: it is being
   * leased. @default JOB_LEASE (30 s)
   */
  claimGraceMs: number;
}

export interface FairnessDeps {
  seats: TenantSeatsRepository;
  findJob(jobId: string): Promise<JobDoc | null>;
  /** The job's live record (scheduling facts, its lease); null once it is finished with. */
  findLive(jobId: string): Promise<LiveJobDoc | null>;
  enqueue(jobId: string, priority: number, runAt: Date): Promise<void>;
}

export class TenantFairness {
  /** Per tenant, the seat index this process looks at next. */
  private readonly nextSeat = new Map<string, number>();

  constructor(private readonly deps: FairnessDeps, private readonly opts: TenantFairnessOptions) {}

  /**
   * True when the job may run now (it holds a seat of its tenant). False when every seat
   * is held by a running job: the job is re-enqueued for later and must not run now.
   */
  async admit(job: JobDoc): Promise<boolean> {
    const max = this.opts.maxRunning;
    for (let k = 0; k < max; k++) {
      // Each look takes the next seat index of this process before it awaits anything, so
      // starts running side by side look at different seats: a start costs a lookup or two,
      // not one per seat in use. A resumed run whose seat is elsewhere takes another; its
      // old one is free again once it finishes.
      const i = this.nextSeatIndex(job.tenantId, max);
      const id = `${job.tenantId}:${i}`;
      const seat = await this.deps.seats.find(id);
      const won = seat
        ? seat.jobId === job._id || ((await this.vacant(seat.jobId, seat.at)) && (await this.deps.seats.handOver(seat, job._id)))
        : await this.deps.seats.take(id, job._id);
      if (won) return true;
    }
    const later = this.opts.deferMs + Math.floor(Math.random() * this.opts.deferMs);
    await this.deps.enqueue(job._id, job.priority, new Date(Date.now() + later));
    return false;
  }

  private nextSeatIndex(tenantId: string, max: number): number {
    const i = (this.nextSeat.get(tenantId) ?? 0) % max;
    this.nextSeat.set(tenantId, i + 1);
    return i;
  }

  /** Whether the seat's holder is no longer running. */
  private async vacant(holderId: string, takenAt: Date): Promise<boolean> {
    const live = await this.deps.findLive(holderId);
    // Finished with, or parked (waiting for a review or its start time: it holds no worker).
    if (!live || live.parked) return true;
    const holder = await this.deps.findJob(holderId);
    if (!holder || isTerminalStatus(holder.status)) return true;
    // Running with no live lease: released (a drain) or its worker died.
    if (holder.status === 'RUNNING') return live.lease === null || live.lease.expiresAt.getTime() < Date.now();
    return Date.now() - takenAt.getTime() > this.opts.claimGraceMs;
  }
}
