/**
 * Results of paid AI calls, kept per job under a key such as `summarize/chunk/3`, so a
 * retried or resumed job reuses them instead of calling (and paying) again. The first
 * stored result for a key wins; the unique `_id` makes that hold on every server.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface CheckpointDoc {
  _id: string;
  jobId: string;
  key: string;
  /** JSON text of the stored value. */
  value: string;
  createdAt: Date;
}

export class CheckpointsRepository {
  private readonly collection: Collection<CheckpointDoc>;

  constructor(db: Db) {
    this.collection = db.collection<CheckpointDoc>('job_checkpoints');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ jobId: 1 });
  }

  async get(jobId: string, key: string): Promise<unknown | undefined> {
    const doc = await this.collection.findOne({ _id: `${jobId}/${key}` });
    return doc ? JSON.parse(doc.value) : undefined;
  }

  /** Stores the value unless one is already stored; returns the stored one either way. */
  async put(jobId: string, key: string, value: unknown): Promise<unknown> {
    const _id = `${jobId}/${key}`;
    if (await insertUnlessTaken(this.collection, { _id, jobId, key, value: JSON.stringify(value), createdAt: new Date() })) return value;
    return (await this.get(jobId, key)) ?? value;
  }

  /** Drops one step's checkpoints (keys `<step>/…`): a rejected output is asked for anew by a retry. */
  async deleteForStep(jobId: string, step: string): Promise<void> {
    const prefix = `${step}/`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await this.collection.deleteMany({ jobId, key: { $regex: `^${prefix}` } });
  }

  /** Drops a finished job's checkpoints: they only serve to resume it. */
  async deleteForJob(jobId: string): Promise<void> {
    await this.collection.deleteMany({ jobId });
  }
}
