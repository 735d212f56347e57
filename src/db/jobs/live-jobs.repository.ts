/**
 * The `live_jobs` collection: one small document per job that is not finished or still
 * owes its after-finish work, deleted when done. Every poll and sweep of the jobs domain
 * reads this collection only, so its cost follows the work in flight, not the history.
 */
import type { Collection, Db, Filter, UpdateFilter } from 'mongodb';
import { insertUnlessTaken, isDuplicateKeyError } from '../duplicate-key.js';
import type { LiveJobDoc } from './docs.js';

export interface LiveJobsRepositoryOptions {
  /** Look documents up by `_id` alone and check other conditions in code (FerretDB; see `isFerretDb`). */
  idLookupsOnly?: boolean;
}

export class LiveJobsRepository {
  readonly collection: Collection<LiveJobDoc>;
  private readonly idLookupsOnly: boolean;

  constructor(db: Db, opts: LiveJobsRepositoryOptions = {}) {
    this.collection = db.collection<LiveJobDoc>('live_jobs');
    this.idLookupsOnly = opts.idLookupsOnly ?? false;
  }

  async ensureIndexes(): Promise<void> {
    // The two halves of findStranded.
    await this.collection.createIndex({ runAt: 1 });
    await this.collection.createIndex({ 'lease.expiresAt': 1 });
  }

  /** Inserts the records; those that exist already (a replayed submission) are kept as they are. */
  async insertMany(docs: LiveJobDoc[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.collection.insertMany(docs, { ordered: false });
    } catch (err) {
      if (!isDuplicateKeyError(err) && !allDuplicates(err)) throw err;
    }
  }

  /** True when this caller inserted the record; false when it exists. */
  insertIfAbsent(doc: LiveJobDoc): Promise<boolean> {
    return insertUnlessTaken(this.collection, doc);
  }

  findById(id: string): Promise<LiveJobDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** The records of these jobs (one query: the collection holds live work only). */
  findMany(ids: string[]): Promise<LiveJobDoc[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.collection.find({ _id: { $in: ids } }).toArray();
  }

  /**
   * Applies `update` if the record's lease generation is still `generation`. On MongoDB
   * the condition is part of the atomic update; on FerretDB an update is a read and a
   * whole-document write by `_id` whatever the filter, so reading first by `_id` is as
   * safe and finds the document by its key.
   */
  async updateIfGeneration(id: string, generation: number, update: UpdateFilter<LiveJobDoc>): Promise<boolean> {
    return this.updateIf(id, { leaseGeneration: generation }, (d) => d.leaseGeneration === generation, update);
  }


  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /**
   * Records whose run may have been lost: due since before `dueBefore` with no lease, or
   * with a lease that ran out (its holder died, or died after finishing the job).
   */
  findStranded(now: Date, dueBefore: Date, limit = 100): Promise<LiveJobDoc[]> {
    return this.collection
      .find({ $or: [{ lease: null, runAt: { $lte: dueBefore } }, { 'lease.expiresAt': { $lt: now } }] } as Filter<LiveJobDoc>)
      .limit(limit)
      .toArray();
  }

  private async updateIf(
    id: string,
    condition: Filter<LiveJobDoc>,
    check: (doc: LiveJobDoc) => boolean,
    update: UpdateFilter<LiveJobDoc>,
  ): Promise<boolean> {
    if (!this.idLookupsOnly) {
      return (await this.collection.updateOne({ _id: id, ...condition } as Filter<LiveJobDoc>, update)).matchedCount === 1;
    }
    const current = await this.collection.findOne({ _id: id });
    if (!current || !check(current)) return false;
    return (await this.collection.updateOne({ _id: id }, update)).matchedCount === 1;
  }
}

/** An unordered insertMany whose every failure was a duplicate key. */
function allDuplicates(err: unknown): boolean {
  const writeErrors = (err as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 && list.every((e) => e.code === 11000);
}
