/**
 * Fixed-window request counters shared by every API process: one document per tenant,
 * kind and window (`${tenant}:${kind}:${windowStart}`), read and written by _id only.
 */
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../duplicate-key.js';

export interface RateCounterDoc {
  _id: string;
  count: number;
  /** When the window ends; a sweep deletes counters past it (no TTL index on FerretDB). */
  expiresAt: Date;
}

export class RateCountersRepository {
  private readonly collection: Collection<RateCounterDoc>;

  constructor(db: Db) {
    this.collection = db.collection<RateCounterDoc>('rate_counters');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ expiresAt: 1 });
  }

  /**
   * Counts one hit and returns the window's count including it. Atomic on MongoDB; on
   * FerretDB concurrent hits on one counter may be lost (its updates read, then write),
   * so a limit there can be exceeded by the number of hits racing at the same instant.
   */
  async hit(id: string, expiresAt: Date): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.collection.findOneAndUpdate(
          { _id: id },
          { $inc: { count: 1 }, $setOnInsert: { expiresAt } },
          { upsert: true, returnDocument: 'after' },
        );
        return doc?.count ?? 1;
      } catch (err) {
        // Two first hits raced to insert the window's document: the loser counts again.
        if (!isDuplicateKeyError(err) || attempt > 0) throw err;
      }
    }
  }

  /** Counters whose window ended: a small collection, swept now and then. */
  async deleteExpired(now: Date): Promise<number> {
    return (await this.collection.deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  }
}
