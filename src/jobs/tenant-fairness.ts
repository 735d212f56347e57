/**
 * Tenant fairness: a tenant holds at most TENANT_MAX_RUNNING running jobs across all
 * workers, so a tenant's large backlog cannot take every worker while another tenant's
 * job waits. A job must take one of its tenant's seats before it is leased; a job that
 * finds them all held by running jobs is put back in the queue a moment later, behind
 * other tenants' work. A seat is never released explicitly: it is free again as soon as
 * its holder is not running (finished, waiting for a retry, or its lease expired).
 */
import type { JobDoc, LiveJobDoc } from '../db/job-docs.js';
import { isTerminalStatus } from '../db/job-docs.js';
import type { TenantSeatsRepository } from '../db/tenant-seats.repository.js';

export interface TenantFairnessOptions {
  maxRunning: number;
  /** A deferred job runs again after this long (plus up to as much again, at random). */
  deferMs: number;
  /** A seat taken this recently by a job not yet running is not handed over (it is being leased). */
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
  /** Per tenant, the seat after the last one this process took. */
  private readonly nextSeat = new Map<string, number>();

  constructor(private readonly deps: FairnessDeps, private readonly opts: TenantFairnessOptions) {}

  /**
   * True when the job may run now (it holds a seat of its tenant). False when every seat
   * is held by a running job: the job is re-enqueued for later and must not run now.
   */
  async admit(job: JobDoc): Promise<boolean> {
    const max = this.opts.maxRunning;
    // Start where this process last found a free seat: starts one after another then cost a
    // lookup or two each, not one per seat in use. A resumed run whose seat lies behind the
    // hint takes another; its old one is free again once it finishes.
    const from = (this.nextSeat.get(job.tenantId) ?? 0) % max;
    for (let k = 0; k < max; k++) {
      const i = (from + k) % max;
      const id = `${job.tenantId}:${i}`;
      const seat = await this.deps.seats.find(id);
      const won = seat
        ? seat.jobId === job._id || ((await this.vacant(seat.jobId, seat.at)) && (await this.deps.seats.handOver(seat, job._id)))
        : await this.deps.seats.take(id, job._id);
      if (won) {
        this.nextSeat.set(job.tenantId, i + 1);
        return true;
      }
    }
    const later = this.opts.deferMs + Math.floor(Math.random() * this.opts.deferMs);
    await this.deps.enqueue(job._id, job.priority, new Date(Date.now() + later));
    return false;
  }

  /** Whether the seat's holder is no longer running. */
  private async vacant(holderId: string, takenAt: Date): Promise<boolean> {
    const live = await this.deps.findLive(holderId);
    if (!live) return true;
    const holder = await this.deps.findJob(holderId);
    if (!holder || isTerminalStatus(holder.status)) return true;
    // Running with no live lease: released (a drain) or its worker died.
    if (holder.status === 'RUNNING') return live.lease === null || live.lease.expiresAt.getTime() < Date.now();
    return Date.now() - takenAt.getTime() > this.opts.claimGraceMs;
  }
}
