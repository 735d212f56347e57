/**
 * Recurring schedules (src/jobs/schedules): `schedules`, one document per schedule, read and
 * written by `_id` only; `schedule_lists`, one document per tenant listing its schedules' ids
 * (so `schedules` for a tenant is one lookup and then one per schedule); `schedule_locks`, the
 * short locks (../list-lock.ts) that serialise every change of one schedule or one tenant's list
 * across processes, since FerretDB rewrites whole documents without a condition.
 */
import type { Collection, Db } from 'mongodb';
import type { ScheduleStatusValue } from '../../errors/index.js';
import { insertUnlessTaken } from '../duplicate-key.js';
import { ListLock } from '../list-lock.js';

export interface ScheduleDoc {
  _id: string;
  tenantId: string;
  name: string;
  /** 5 fields, or 6 with seconds first. */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  status: ScheduleStatusValue;
  /** JSON text of the submission each tick makes (SubmitJobInput's fields). */
  job: string;
  /** The next tick; null while paused. */
  nextRunAt: Date | null;
  /** The last tick that submitted (or tried to). */
  lastRunAt: Date | null;
  /** The jobs of the last ticks, newest first (at most RECENT_SCHEDULE_JOBS). */
  recentJobIds: string[];
  /** Why the last tick made no job (e.g. the tenant's budget was used up); null when it made one. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface ScheduleListDoc {
  /** The tenant's id. */
  _id: string;
  ids: string[];
}

/** Jobs a schedule remembers. */
export const RECENT_SCHEDULE_JOBS = 10;

export class SchedulesRepository {
  readonly collection: Collection<ScheduleDoc>;
  private readonly lists: Collection<ScheduleListDoc>;
  private readonly lock: ListLock;

  constructor(db: Db) {
    this.collection = db.collection<ScheduleDoc>('schedules');
    this.lists = db.collection<ScheduleListDoc>('schedule_lists');
    this.lock = new ListLock(db.collection('schedule_locks'));
  }

  /** Runs `critical` holding the schedule's lock (every change of one schedule, its ticks included). */
  withSchedule<T>(id: string, critical: () => Promise<T>): Promise<T> {
    return this.lock.with(`schedule:${id}`, critical);
  }

  /** Runs `critical` holding the tenant's list lock (adding and removing schedules). */
  withTenant<T>(tenantId: string, critical: () => Promise<T>): Promise<T> {
    return this.lock.with(`tenant:${tenantId.length}:${tenantId}`, critical);
  }

  findById(id: string): Promise<ScheduleDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  async findForTenant(tenantId: string, id: string): Promise<ScheduleDoc | null> {
    const doc = await this.findById(id);
    return doc?.tenantId === tenantId ? doc : null;
  }

  async insert(doc: ScheduleDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  /** Writes the fields by `_id` (updatedAt: now, unless given); the caller holds the schedule's lock. */
  async update(id: string, set: Partial<ScheduleDoc>): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { updatedAt: new Date(), ...set } });
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** The ids of the tenant's schedules, oldest first. */
  async idsOf(tenantId: string): Promise<string[]> {
    return (await this.lists.findOne({ _id: tenantId }))?.ids ?? [];
  }

  /** Sets the tenant's list; the caller holds the tenant's lock. */
  async setIds(tenantId: string, ids: string[]): Promise<void> {
    if (await insertUnlessTaken(this.lists, { _id: tenantId, ids })) return;
    await this.lists.updateOne({ _id: tenantId }, { $set: { ids } });
  }
}
