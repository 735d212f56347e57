/**
 * The append-only log of job events. Sequences are per job, 1, 2, 3 … without gaps:
 * a writer takes the next number and inserts under a unique key; if another writer took
 * it first (the runner and a cancelling API process may race), it reads again and retries.
 * This holds on FerretDB, whose findAndModify is not atomic, because uniqueness is.
 *
 * Every read is by exact `_id` (`jobId:sequence`), the one filter FerretDB answers from an
 * index: a job's events are found by probing its gapless ids. Each appended event is also
 * copied to the live feed (job-event-feed.repository.ts), which pollers read.
 */
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError, writtenBeforeDuplicate } from '../duplicate-key.js';
import type { JobEventDoc } from './docs.js';
import { JobEventFeedRepository } from './event-feed.repository.js';
import { EventReadCache } from './event-read-cache.js';

export type NewJobEvent = Omit<JobEventDoc, '_id' | 'sequence' | 'at'> & { at?: Date };

const MAX_APPEND_TRIES = 20;

export const eventId = (jobId: string, sequence: number): string => `${jobId}:${sequence}`;

export interface JobEventsRepositoryOptions {
  /** The live feed appends are copied to. @defaultValue a JobEventFeedRepository on the same db */
  feed?: JobEventFeedRepository;
  /** Events kept in memory for repeated reads (they never change). @defaultValue 10000 */
  cacheSize?: number;
  /**
   * Called when an event was stored but its feed copy could not be written. The append
   * still succeeds: subscribers fill it in from the store (see job-event-stream.ts).
   */
  onFeedError?: (err: unknown, event: JobEventDoc) => void;
}

/** Ids probed at once when reading a run of a job's events. */
const PROBE_BATCH = 16;

export class JobEventsRepository {
  readonly collection: Collection<JobEventDoc>;
  readonly feed: JobEventFeedRepository;
  /** Copies written to the feed that failed since start. */
  feedFailures = 0;
  private readonly reads: EventReadCache;
  private readonly onFeedError: ((err: unknown, event: JobEventDoc) => void) | undefined;

  constructor(db: Db, opts: JobEventsRepositoryOptions = {}) {
    this.collection = db.collection<JobEventDoc>('job_events');
    this.feed = opts.feed ?? new JobEventFeedRepository(db);
    this.onFeedError = opts.onFeedError;
    this.reads = new EventReadCache((id) => this.collection.findOne({ _id: id }), opts.cacheSize ?? 10_000);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ jobId: 1, sequence: 1 }, { unique: true });
    await this.collection.createIndex({ at: 1 });
    await this.collection.createIndex({ tenantId: 1, at: 1 });
    await this.feed.ensureCollection();
  }

  /**
   * A point in this repository's order of reads. A read given it as `notBefore` does not
   * share a lookup started earlier, so an event stored before the mark is seen.
   */
  mark(): number {
    return this.reads.mark();
  }

  /** One event by id: from memory if read before, else shared with an identical lookup in flight. */
  findEvent(id: string, notBefore = 0): Promise<JobEventDoc | null> {
    return this.reads.get(id, notBefore);
  }

  /** Keeps an event read elsewhere (the live feed) for later reads by id. */
  remember(event: JobEventDoc): void {
    this.reads.remember(event);
  }

  /**
   * Whether the job has an event after `sequence`, answered from a lookup at most `maxAgeMs`
   * old: for idle subscribers that check for a missed event, once per job per interval.
   */
  peekAfter(jobId: string, sequence: number, maxAgeMs: number): Promise<JobEventDoc | null> {
    return this.reads.peek(eventId(jobId, sequence + 1), maxAgeMs);
  }

  /**
   * The job's last sequence number, 0 when it has none. Found by probing event ids
   * (`jobId:n`, galloping then bisecting, which works because sequences have no gaps):
   * every server looks an `_id` up by its primary key, whereas FerretDB v1 runs a
   * `{ jobId }` query sorted by sequence as a scan of the whole collection — hundreds of
   * milliseconds once it holds a few thousand events, on every append.
   */
  async lastSequence(jobId: string): Promise<number> {
    const notBefore = this.mark();
    const exists = async (n: number): Promise<boolean> => (await this.findEvent(eventId(jobId, n), notBefore)) !== null;
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
    return (await this.appendMany([event], lastKnown))[0]!;
  }

  /**
   * Appends events of one job under consecutive sequence numbers, in order, in one insert
   * (and one feed write) when no other writer takes a number meanwhile: one transition that
   * says two things (a step started as the attempt did) costs one statement, not two.
   */
  async appendMany(events: readonly NewJobEvent[], lastKnown?: number): Promise<JobEventDoc[]> {
    if (events.length === 0) return [];
    const jobId = events[0]!.jobId;
    if (events.some((e) => e.jobId !== jobId)) throw new Error('appendMany takes the events of one job');
    const stored: JobEventDoc[] = [];
    let rest = events;
    let sequence = (lastKnown ?? (await this.lastSequence(jobId))) + 1;
    for (let i = 0; i < MAX_APPEND_TRIES && rest.length > 0; i++) {
      const at = new Date();
      const docs = rest.map((e, k): JobEventDoc => ({ ...e, at: e.at ?? at, _id: eventId(jobId, sequence + k), sequence: sequence + k }));
      try {
        if (docs.length === 1) await this.collection.insertOne(docs[0]!);
        else await this.collection.insertMany(docs, { ordered: true });
        stored.push(...docs);
        rest = [];
      } catch (err) {
        const written = docs.length === 1 ? (isDuplicateKeyError(err) ? 0 : -1) : writtenBeforeDuplicate(err);
        if (written < 0) throw err;
        // Another writer took the next number: what went in before it stays, the rest goes after the real last one.
        stored.push(...docs.slice(0, written));
        rest = rest.slice(written);
        sequence = (await this.lastSequence(jobId)) + 1;
      }
    }
    if (rest.length > 0) throw new Error(`could not append an event to job ${jobId}: too much contention`);
    for (const doc of stored) this.reads.remember(doc);
    await this.feed.publishMany(stored).catch((err: unknown) => {
      this.feedFailures += stored.length;
      for (const doc of stored) this.onFeedError?.(err, doc);
    });
    return stored;
  }

  /**
   * The job's events after `afterSequence` (all when omitted), in order, up to `limit`:
   * ids `jobId:n` probed in concurrent rounds (2, 4, 8 … PROBE_BATCH ids, so that a short
   * run wastes few lookups) until the first one missing: sequences have no gaps.
   * `notBefore` (see mark) makes that last miss a fresh lookup.
   */
  async listForJob(jobId: string, afterSequence = 0, limit = 10_000, notBefore = 0): Promise<JobEventDoc[]> {
    const out: JobEventDoc[] = [];
    let next = Math.max(0, Math.trunc(afterSequence)) + 1;
    let round = 2;
    while (out.length < limit) {
      const n = Math.min(round, limit - out.length);
      round = Math.min(round * 2, PROBE_BATCH);
      const found = await Promise.all(Array.from({ length: n }, (_, i) => this.findEvent(eventId(jobId, next + i), notBefore)));
      for (const e of found) {
        if (!e) return out;
        out.push(e);
      }
      next += n;
    }
    return out;
  }

  /** Retention: removes events 1..last of a job, by `_id` (sequences have no gaps). */
  async deleteForJob(jobId: string, last: number): Promise<void> {
    for (let n = 1; n <= last; n += 1) {
      await this.collection.deleteOne({ _id: eventId(jobId, n) });
      this.reads.forget(eventId(jobId, n));
    }
  }

  /** Events written at or after `since`, oldest first (reads the whole collection on FerretDB; no hot path uses it). */
  listSince(since: Date, limit = 1000): Promise<JobEventDoc[]> {
    return this.collection.find({ at: { $gte: since } }).sort({ at: 1, _id: 1 }).limit(limit).toArray();
  }
}
