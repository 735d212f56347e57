/**
 * The backlog in front of Agenda. A pick in Agenda reads every wake-up it holds (on
 * FerretDB any query but an `_id` lookup reads the whole collection), so Agenda is given
 * only what can start soon: a submitted job waits here, in its tenant's lane for its
 * priority, and `admit` moves at most the room in the admission window into Agenda,
 * taking turns between tenants. Every read here is by `_id`, except the lanes (one small
 * document per tenant and priority).
 *
 * Crash safety: an entry leaves its lane only after its wake-up is in Agenda, and that
 * wake-up's `_id` is derived from the entry (`admit` of the same entry twice inserts
 * once); a job whose live record shows it running or finished is dropped, not admitted.
 */
import { type BacklogEntryDoc, type BacklogLaneDoc, BacklogRepository, entryIdOf, type LiveJobDoc } from '../../db/jobs/index.js';

export interface BacklogDeps {
  repo: BacklogRepository;
  /** The job's live record; null once it is finished with (cancelled while it waited, say). */
  findLive(jobId: string): Promise<LiveJobDoc | null>;
  /** Puts the wake-up into Agenda under an id derived from `entryId`; false when it is there already. */
  wake(entryId: string, jobId: string, priority: number): Promise<boolean>;
}

/** Entries probed past a stale tail before the lane is read again. */
const PROBES_PER_READ = 16;

export class JobBacklog {
  constructor(private readonly deps: BacklogDeps) {}

  /** Puts the job at the end of its tenant's lane for its priority. */
  async add(jobId: string, tenantId: string, priority: number): Promise<void> {
    const { repo } = this.deps;
    let lane = await repo.laneFor(tenantId, priority);
    // Numbers come from the lane, never reserved ahead in this process: an insert that failed
    // (the database away) would leave a gap above the tail, and nextEntry looks only one number
    // past the tail, so a job behind the gap would wait for good.
    let seq = Math.max(lane.head, lane.tail);
    for (let probes = 0; ; probes++) {
      const enqueuedAt = new Date();
      if (await repo.insertEntry({ _id: entryIdOf(lane._id, seq), laneId: lane._id, seq, jobId, enqueuedAt })) {
        await repo.raiseTail(lane._id, seq + 1);
        // Taken from a stale hint below a head that admission moved past meanwhile: it
        // would never be reached, so it moves to the end.
        const now = (await repo.findLane(lane._id)) ?? lane;
        if (now.head > seq) {
          await repo.deleteEntry(lane._id, seq);
          lane = now;
          seq = Math.max(now.head, now.tail);
          continue;
        }
        await repo.putMember({ _id: jobId, laneId: lane._id, seq, enqueuedAt });
        // Admitted between the two writes: the membership would outlive it.
        if (!(await repo.findEntry(lane._id, seq))) await repo.deleteMember(jobId);
        return;
      }
      seq++;
      if (probes % PROBES_PER_READ === PROBES_PER_READ - 1) {
        lane = (await repo.findLane(lane._id)) ?? lane;
        seq = Math.max(seq, lane.head, lane.tail);
      }
    }
  }

  /**
   * Whether the job waits its turn here (so no wake-up is missing): it has an entry at
   * or above its lane's head.
   */
  async isWaiting(jobId: string): Promise<boolean> {
    const { repo } = this.deps;
    const member = await repo.findMember(jobId);
    if (!member) return false;
    const entry = await repo.findEntry(member.laneId, member.seq);
    if (!entry || entry.jobId !== jobId) return false;
    const lane = await repo.findLane(member.laneId);
    return lane !== null && lane.head <= member.seq;
  }

  /**
   * Moves up to `room` jobs into Agenda: each round gives every tenant with a backlog one
   * job from its highest-priority lane, the tenant admitted longest ago first (a higher
   * priority first among them). Returns the job ids woken.
   */
  async admit(room: number): Promise<string[]> {
    const woken: string[] = [];
    if (room <= 0) return woken;
    const lanes = await this.deps.repo.allLanes();
    const tenants = byTenant(lanes);
    const now = new Date();
    while (woken.length < room && tenants.length > 0) {
      tenants.sort(turnOrder);
      for (const tenant of [...tenants]) {
        if (woken.length >= room) break;
        const jobId = await this.admitFromTenant(tenant, now);
        if (jobId === null) tenants.splice(tenants.indexOf(tenant), 1);
        else if (jobId !== '') woken.push(jobId);
      }
    }
    return woken;
  }

  /**
   * One job of this tenant into Agenda, from its highest-priority lane that has one: its
   * id, '' for an entry dropped (its job needs no wake-up), null when the tenant has none.
   */
  private async admitFromTenant(tenant: TenantTurn, now: Date): Promise<string | null> {
    while (tenant.lanes.length > 0) {
      const lane = tenant.lanes[0]!;
      const entry = await this.nextEntry(lane);
      if (!entry) {
        tenant.lanes.shift();
        continue;
      }
      const admitted = await this.admitEntry(lane, entry, now);
      tenant.lastAdmittedAt = now;
      return admitted ? entry.jobId : '';
    }
    return null;
  }

  /**
   * The entry at the lane's head, skipping numbers below the tail whose entries are gone
   * (admitted by another worker whose raise of the head was lost). Past the tail hint one
   * more number is looked at: a submitter that died before raising the tail left it there.
   */
  private async nextEntry(lane: BacklogLaneDoc): Promise<BacklogEntryDoc | null> {
    const { repo } = this.deps;
    while (lane.head < lane.tail) {
      const entry = await repo.findEntry(lane._id, lane.head);
      if (entry) return entry;
      lane.head++;
    }
    const late = await repo.findEntry(lane._id, lane.head);
    if (late) lane.tail = lane.head + 1;
    return late;
  }

  /** True when the entry's job got a wake-up from this call; false when it needed none. */
  private async admitEntry(lane: BacklogLaneDoc, entry: BacklogEntryDoc, now: Date): Promise<boolean> {
    const { repo } = this.deps;
    const live = await this.deps.findLive(entry.jobId);
    // Gone (finished, cancelled) or held (running, being cancelled): nothing to wake. A
    // holder that lets go of it without finishing wakes it itself.
    const needed = live !== null && live.lease === null;
    const woke = needed && (await this.deps.wake(entry._id, entry.jobId, lane.priority));
    lane.head = entry.seq + 1;
    // Head first, then the entry: a submitter that took this number from a stale hint
    // after the entry is gone sees the head past it and moves to the end.
    await repo.raiseHead(lane._id, lane.head, now);
    await repo.deleteEntry(lane._id, entry.seq);
    await repo.deleteMember(entry.jobId);
    return woke;
  }
}

interface TenantTurn {
  tenantId: string;
  lastAdmittedAt: Date | null;
  /** Highest priority first. */
  lanes: BacklogLaneDoc[];
}

function byTenant(lanes: BacklogLaneDoc[]): TenantTurn[] {
  const tenants = new Map<string, TenantTurn>();
  for (const lane of lanes) {
    const t = tenants.get(lane.tenantId) ?? { tenantId: lane.tenantId, lastAdmittedAt: null, lanes: [] };
    if (lane.lastAdmittedAt && (!t.lastAdmittedAt || lane.lastAdmittedAt > t.lastAdmittedAt)) t.lastAdmittedAt = lane.lastAdmittedAt;
    t.lanes.push(lane);
    tenants.set(lane.tenantId, t);
  }
  for (const t of tenants.values()) t.lanes.sort((a, b) => b.priority - a.priority);
  return [...tenants.values()];
}

/** The tenant admitted longest ago (never first), then the higher priority waiting. */
function turnOrder(a: TenantTurn, b: TenantTurn): number {
  const at = (t: TenantTurn) => t.lastAdmittedAt?.getTime() ?? 0;
  return at(a) - at(b) || (b.lanes[0]?.priority ?? 0) - (a.lanes[0]?.priority ?? 0);
}
