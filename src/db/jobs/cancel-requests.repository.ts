/**
 * The `job_cancel_requests` collection: one document per job whose cancel was asked for and
 * that is not yet retired. A request is its own document, inserted once and never updated,
 * rather than a field of the job's live record: FerretDB applies an update by rewriting the
 * whole document it read a moment before (its issue 3040), so a lease renewal or a park of
 * the live record that overlapped the request could write the record back without it, and
 * the cancel was lost. Nothing rewrites a document of this collection.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface CancelRequestDoc {
  /** The job's id. */
  _id: string;
  at: Date;
}

export class CancelRequestsRepository {
  private readonly collection: Collection<CancelRequestDoc>;

  constructor(db: Db) {
    this.collection = db.collection<CancelRequestDoc>('job_cancel_requests');
  }

  /** Records the request; false when one is there already. */
  request(jobId: string, at: Date): Promise<boolean> {
    return insertUnlessTaken(this.collection, { _id: jobId, at });
  }

  async has(jobId: string): Promise<boolean> {
    return (await this.collection.findOne({ _id: jobId }, { projection: { _id: 1 } })) !== null;
  }

  /**
   * The ids among `jobIds` whose cancel was asked for, in one query. On FerretDB an `$in`
   * reads the whole collection, which holds only requests not yet carried out: a handful.
   */
  async among(jobIds: string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const docs = await this.collection.find({ _id: { $in: jobIds } }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }

  /** Forgets the request: the job is retired, or runs again after a retry. */
  async clear(jobId: string): Promise<void> {
    await this.collection.deleteOne({ _id: jobId });
  }
}
