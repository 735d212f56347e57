/**
 * Seats of tenant fairness: `${tenantId}:${index}` for index < TENANT_MAX_RUNNING, each
 * naming the job that holds it. Taken by inserting (exclusive on every server), read and
 * handed over by `_id` only.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface TenantSeatDoc {
  _id: string;
  jobId: string;
  at: Date;
  /** The succession claim that gave this holder the seat (see handOver). */
  via?: string;
}

export class TenantSeatsRepository {
  private readonly collection: Collection<TenantSeatDoc>;

  constructor(db: Db) {
    this.collection = db.collection<TenantSeatDoc>('tenant_seats');
  }

  /** True when the seat was free and is now the job's. */
  take(id: string, jobId: string): Promise<boolean> {
    return insertUnlessTaken(this.collection, { _id: id, jobId, at: new Date() });
  }

  find(id: string): Promise<TenantSeatDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /**
   * Gives a seat whose holder no longer runs to `jobId`, if no one else got it first: the
   * successor of one holder is decided by inserting `${seat}>${holder}` (a unique key),
   * so two workers that both saw the seat vacant cannot both take it.
   */
  async handOver(seat: TenantSeatDoc, jobId: string): Promise<boolean> {
    const claim = `${seat._id}>${seat.jobId}`;
    if (!(await this.take(claim, jobId))) return false;
    await this.collection.replaceOne({ _id: seat._id }, { jobId, at: new Date(), via: claim });
    // The claim before this one can no longer be raced for: the seat names a newer holder.
    if (seat.via) await this.collection.deleteOne({ _id: seat.via });
    return true;
  }
}
