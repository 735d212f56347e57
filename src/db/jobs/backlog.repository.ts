/**
 * The job backlog: submitted jobs that have not been handed to Agenda yet. It is laid out
 * so that nothing here grows with the number of jobs waiting except documents read by
 * `_id` (FerretDB answers only an exact `_id` lookup without reading the whole collection):
 * - `job_backlog_lanes`: one small document per tenant and priority that ever had a
 *   backlog — `head` (the next entry to admit) and `tail` (the next free number). Both
 *   are hints that only ever grow; the entries decide. This is the one collection read
 *   whole, and it grows with tenants, not with jobs.
 * - `job_backlog`: one entry per waiting job, `_id` = lane id + `#` + sequence number,
 *   numbered without gaps by inserting under the unique `_id` (no counter is trusted:
 *   FerretDB's updates are not atomic).
 * - `job_backlog_members`: `_id` = job id → its entry, so the lost-work sweep can tell a
 *   job that waits its turn from one whose wake-up was lost.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface BacklogLaneDoc {
  /** `tenantId#priority`. */
  _id: string;
  tenantId: string;
  priority: number;
  /** The lowest sequence number that may still be waiting (a hint: never above the truth). */
  head: number;
  /** The next sequence number to use (a hint: never above the truth). */
  tail: number;
  /** When this lane last had an entry admitted: tenants take turns by it. */
  lastAdmittedAt: Date | null;
}

export interface BacklogEntryDoc {
  /** `laneId#seq`. */
  _id: string;
  laneId: string;
  seq: number;
  jobId: string;
  enqueuedAt: Date;
}

export interface BacklogMemberDoc {
  /** The job's id. */
  _id: string;
  laneId: string;
  seq: number;
  enqueuedAt: Date;
}

export const laneIdOf = (tenantId: string, priority: number): string => `${tenantId}#${priority}`;
export const entryIdOf = (laneId: string, seq: number): string => `${laneId}#${seq}`;

export class BacklogRepository {
  readonly lanes: Collection<BacklogLaneDoc>;
  readonly entries: Collection<BacklogEntryDoc>;
  readonly members: Collection<BacklogMemberDoc>;

  constructor(db: Db) {
    this.lanes = db.collection<BacklogLaneDoc>('job_backlog_lanes');
    this.entries = db.collection<BacklogEntryDoc>('job_backlog');
    this.members = db.collection<BacklogMemberDoc>('job_backlog_members');
  }

  /**
   * Nothing to declare: entries and members are read by `_id` only, and the lanes are read
   * whole (one document per tenant and priority, so a scan is the cheapest read).
   */
  async ensureIndexes(): Promise<void> {}

  /** Every lane (small: one per tenant and priority in use). */
  allLanes(): Promise<BacklogLaneDoc[]> {
    return this.lanes.find({}).toArray();
  }

  findLane(id: string): Promise<BacklogLaneDoc | null> {
    return this.lanes.findOne({ _id: id });
  }

  /** The lane, created empty when new. */
  async laneFor(tenantId: string, priority: number): Promise<BacklogLaneDoc> {
    const _id = laneIdOf(tenantId, priority);
    const found = await this.findLane(_id);
    if (found) return found;
    const fresh: BacklogLaneDoc = { _id, tenantId, priority, head: 0, tail: 0, lastAdmittedAt: null };
    if (await insertUnlessTaken(this.lanes, fresh)) return fresh;
    return (await this.findLane(_id)) ?? fresh;
  }

  /** Only ever raises the hint (a lost update leaves it lower, which readers tolerate). */
  async raiseTail(laneId: string, tail: number): Promise<void> {
    await this.lanes.updateOne({ _id: laneId }, { $max: { tail } });
  }

  async raiseHead(laneId: string, head: number, admittedAt: Date | null): Promise<void> {
    await this.lanes.updateOne({ _id: laneId }, { $max: { head, tail: head }, ...(admittedAt ? { $set: { lastAdmittedAt: admittedAt } } : {}) });
  }

  /** True when this call took the sequence number. */
  insertEntry(entry: BacklogEntryDoc): Promise<boolean> {
    return insertUnlessTaken(this.entries, entry);
  }

  findEntry(laneId: string, seq: number): Promise<BacklogEntryDoc | null> {
    return this.entries.findOne({ _id: entryIdOf(laneId, seq) });
  }

  async deleteEntry(laneId: string, seq: number): Promise<void> {
    await this.entries.deleteOne({ _id: entryIdOf(laneId, seq) });
  }

  async putMember(member: BacklogMemberDoc): Promise<void> {
    await this.members.replaceOne({ _id: member._id }, member, { upsert: true });
  }

  findMember(jobId: string): Promise<BacklogMemberDoc | null> {
    return this.members.findOne({ _id: jobId });
  }

  async deleteMember(jobId: string): Promise<void> {
    await this.members.deleteOne({ _id: jobId });
  }
}
