/**
 * Seats of tenant fairness: `${tenantId}:${index}` for index < TENANT_MAX_RUNNING, each
 * naming the job that holds it. Taken by inserting (exclusive on every server), read and
 * handed over by `_id` only.
 */
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

export interface TenantSeatDoc {
  _id: string;
  jobId: string;
  at: Date;
}

export class TenantSeatsRepository {
  private readonly collection: Collection<TenantSeatDoc>;

  constructor(db: Db) {
    this.collection = db.collection<TenantSeatDoc>('tenant_seats');
  }

  /** True when the seat was free and is now the job's. */
  async take(id: string, jobId: string): Promise<boolean> {
    try {
      await this.collection.insertOne({ _id: id, jobId, at: new Date() });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  find(id: string): Promise<TenantSeatDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Gives a seat whose holder no longer runs to another job. */
  async handOver(id: string, jobId: string): Promise<void> {
    await this.collection.replaceOne({ _id: id }, { jobId, at: new Date() });
  }
}
