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

  /**
   * The job's last sequence number, 0 when it has none. Found by probing event ids
   * (`jobId:n`, galloping then bisecting, which works because sequences have no gaps):
   * every server looks an `_id` up by its primary key, whereas FerretDB v1 runs a
   * `{ jobId }` query sorted by sequence as a scan of the whole collection — hundreds of
   * milliseconds once it holds a few thousand events, on every append.
   */
  async lastSequence(jobId: string): Promise<number> {
    const exists = async (n: number): Promise<boolean> =>
      (await this.collection.findOne({ _id: eventId(jobId, n) }, { projection: { _id: 1 } })) !== null;
    if (!(await exists(1))) return 0;
    let present = 1;
    let absent = 2;
    while (await exists(absent)) {
      present = absent;
      absent *= 2;
    }
    while (absent - present > 1) {
      const mid = Math.floor((present + absent) / 2);
      if (await exists(mid)) present = mid;
      else absent = mid;
    }
    return present;
  }

  /**
   * Appends with the next sequence number; returns the stored event. `lastKnown` is a
   * sequence the caller knows to exist (the last one it wrote, 0 for a new job): the
   * append tries the number after it first and reads the real last one only if taken.
   */
  async append(event: NewJobEvent, lastKnown?: number): Promise<JobEventDoc> {
    let sequence = (lastKnown ?? (await this.lastSequence(event.jobId))) + 1;
    for (let i = 0; i < MAX_APPEND_TRIES; i++) {
      const doc: JobEventDoc = { ...event, at: event.at ?? new Date(), _id: eventId(event.jobId, sequence), sequence };
      try {
        await this.collection.insertOne(doc);
        return doc;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        sequence = (await this.lastSequence(event.jobId)) + 1;
      }
    }
    throw new Error(`could not append an event to job ${event.jobId}: too much contention`);
  }

  /** The job's events after `afterSequence` (all when omitted), in order. */
  /** Retention: removes events 1..last of a job, by `_id` (sequences have no gaps). */
  async deleteForJob(jobId: string, last: number): Promise<void> {
    for (let n = 1; n <= last; n += 1) await this.collection.deleteOne({ _id: eventId(jobId, n) });
  }

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
