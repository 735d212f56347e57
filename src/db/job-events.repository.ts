/**
 * The append-only log of job events. Sequences are per job, 1, 2, 3 … without gaps:
 * a writer takes the next number and inserts under a unique key; if another writer took
 * it first (the runner and a cancelling API process may race), it reads again and retries.
 * This holds on FerretDB, whose findAndModify is not atomic, because uniqueness is.
 */
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';
import type { JobEventDoc } from './job-docs.js';

export type NewJobEvent = Omit<JobEventDoc, '_id' | 'sequence' | 'at'> & { at?: Date };

const MAX_APPEND_TRIES = 20;

export const eventId = (jobId: string, sequence: number): string => `${jobId}:${sequence}`;

export class JobEventsRepository {
  readonly collection: Collection<JobEventDoc>;

  constructor(db: Db) {
    this.collection = db.collection<JobEventDoc>('job_events');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ jobId: 1, sequence: 1 }, { unique: true });
    await this.collection.createIndex({ at: 1 });
    await this.collection.createIndex({ tenantId: 1, at: 1 });
  }

  async lastSequence(jobId: string): Promise<number> {
    const last = await this.collection.find({ jobId }).sort({ sequence: -1 }).limit(1).project<{ sequence: number }>({ sequence: 1 }).next();
    return last?.sequence ?? 0;
  }

  /** Appends with the next sequence number; returns the stored event. */
  async append(event: NewJobEvent): Promise<JobEventDoc> {
    for (let i = 0; i < MAX_APPEND_TRIES; i++) {
      const sequence = (await this.lastSequence(event.jobId)) + 1;
      const doc: JobEventDoc = { ...event, at: event.at ?? new Date(), _id: eventId(event.jobId, sequence), sequence };
      try {
        await this.collection.insertOne(doc);
        return doc;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    throw new Error(`could not append an event to job ${event.jobId}: too much contention`);
  }

  /** The job's events after `afterSequence` (all when omitted), in order. */
  listForJob(jobId: string, afterSequence = 0, limit = 10_000): Promise<JobEventDoc[]> {
    return this.collection
      .find({ jobId, sequence: { $gt: afterSequence } })
      .sort({ sequence: 1 })
      .limit(limit)
      .toArray();
  }

  /** Events written at or after `since`, oldest first: what a poller reads. */
  listSince(since: Date, limit = 1000): Promise<JobEventDoc[]> {
    return this.collection.find({ at: { $gte: since } }).sort({ at: 1, _id: 1 }).limit(limit).toArray();
  }
}
