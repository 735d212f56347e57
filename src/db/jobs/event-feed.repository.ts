/**
 * The live feed of job events: `job_event_feed`, a capped collection holding a copy of each
 * recent event under a gapless global position (`_id` "1", "2", …), written after the event's
 * insert into `job_events` and read by pollers by exact `_id` alone. One position holds what
 * one write carried (the events published meanwhile, in order): a reader's lookups follow the
 * writes, not the events.
 *
 * Why positions: FerretDB answers only an exact `_id` filter from an index; any other filter
 * or sort (even `$natural` on a capped collection, which it sorts in memory after reading every
 * row, and tailable cursors, which re-read the whole collection on every `getMore`) reads the
 * whole collection. A reader that knows the next position reads what is new with one `_id`
 * lookup per event plus one miss, whatever the history. Writers claim a position by inserting
 * under the unique `_id`: the loser of a race moves on to the next free one, so positions fill
 * from 1 upward without gaps (a position is only tried once all below it are taken).
 *
 * Bounded by the server on MongoDB (capped by count and size). FerretDB v1 trims capped
 * collections only in a background task that its embedded form leaves off, so on FerretDB the
 * writer asks for a trim (`compact`, which deletes the oldest rows over the count) every
 * `trimIntervalMs` while it writes.
 */
import type { Collection, Db } from 'mongodb';
import { isFerretDb } from '../client.js';
import { isDuplicateKeyError } from '../duplicate-key.js';
import type { JobEventDoc } from './docs.js';

export const JOB_EVENT_FEED_COLLECTION = 'job_event_feed';

export interface JobEventFeedDoc {
  /** The position, in decimal: FerretDB looks a string `_id` up by its primary key. */
  _id: string;
  /** The first event this position carries. */
  event: JobEventDoc;
  /**
   * The events written with it, in order: one position per write, so a reader pays one
   * lookup for what one write carried (an attempt's start and its step's, say), not one each.
   */
  more?: JobEventDoc[];
}

/** The events a feed entry carries, in order. */
export const feedEntryEvents = (entry: JobEventFeedDoc): JobEventDoc[] => (entry.more?.length ? [entry.event, ...entry.more] : [entry.event]);

export interface JobEventFeedOptions {
  /** Most events the feed keeps. @defaultValue 10000 */
  maxDocs?: number;
  /** Most bytes the feed keeps (MongoDB's capped `size`). @defaultValue 32 MiB */
  maxBytes?: number;
  /** How often a writer trims the feed on FerretDB, in ms. @defaultValue 5000 */
  trimIntervalMs?: number;
  /** Most events one entry (one insert) carries. @defaultValue 100 */
  maxBatch?: number;
}

type Pending = { event: JobEventDoc; resolve: () => void; reject: (err: unknown) => void };

const MAX_WRITE_TRIES = 50;
/** After this long without a write of its own, a writer looks the head up again before writing. */
const HEAD_REFRESH_MS = 1_000;

export const feedPositionId = (position: number): string => String(position);

export class JobEventFeedRepository {
  readonly collection: Collection<JobEventFeedDoc>;
  readonly maxDocs: number;
  readonly maxBytes: number;
  private readonly trimIntervalMs: number;
  private readonly maxBatch: number;
  /** The newest position this writer knows to be taken; null until looked up. */
  private head: number | null = null;
  private lastWriteAt = 0;
  private queue: Pending[] = [];
  private flushing = false;
  /** Whether this writer trims (FerretDB); known once ensureCollection ran. */
  private trims = false;
  private lastTrimAt = 0;
  private trimming: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    opts: JobEventFeedOptions = {},
  ) {
    this.collection = db.collection<JobEventFeedDoc>(JOB_EVENT_FEED_COLLECTION);
    this.maxDocs = opts.maxDocs ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
    this.trimIntervalMs = opts.trimIntervalMs ?? 5_000;
    this.maxBatch = opts.maxBatch ?? 100;
    if (!Number.isInteger(this.maxDocs) || this.maxDocs < 1) throw new Error(`maxDocs must be a positive integer, got ${this.maxDocs}`);
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 4096) throw new Error(`maxBytes must be an integer >= 4096, got ${this.maxBytes}`);
    if (!(this.trimIntervalMs > 0)) throw new Error(`trimIntervalMs must be > 0, got ${this.trimIntervalMs}`);
  }

  /**
   * Creates the capped collection if it is missing. One that exists but is not capped
   * (created by an insert before this ran) is dropped and created capped: it holds only
   * copies, and readers fill what they miss from `job_events`.
   */
  async ensureCollection(): Promise<void> {
    this.trims = await isFerretDb(this.db);
    const [existing] = await this.db.listCollections({ name: JOB_EVENT_FEED_COLLECTION }).toArray();
    if (existing && (existing as { options?: { capped?: boolean } }).options?.capped) return;
    if (existing) await this.collection.drop().catch(() => {});
    try {
      await this.db.createCollection(JOB_EVENT_FEED_COLLECTION, { capped: true, size: this.maxBytes, max: this.maxDocs });
    } catch (err) {
      // NamespaceExists (48): another process created it first.
      if ((err as { code?: unknown }).code !== 48) throw err;
    }
  }

  /** The feed entry at `position`, or null (not written yet, or trimmed). */
  at(position: number): Promise<JobEventFeedDoc | null> {
    return this.collection.findOne({ _id: feedPositionId(position) });
  }

  private async exists(position: number): Promise<boolean> {
    return (await this.collection.findOne({ _id: feedPositionId(position) }, { projection: { _id: 1 } })) !== null;
  }

  /**
   * The oldest position still held, null when the feed is empty. Capped collections return
   * documents in insertion order; with no filter and no sort FerretDB pushes the limit down.
   */
  async oldestPosition(): Promise<number | null> {
    const doc = await this.collection.find({}).limit(1).project<{ _id: string }>({ _id: 1 }).next();
    return doc ? Number(doc._id) : null;
  }

  /**
   * The newest position taken (0 for an empty feed), found by galloping and bisecting `_id`
   * lookups from `from` (a position known to be taken) or from the oldest one held.
   */
  async newestPosition(from?: number): Promise<number> {
    let present = from !== undefined && from > 0 && (await this.exists(from)) ? from : await this.oldestPosition();
    if (present === null) return 0;
    let step = 1;
    while (await this.exists(present + step)) {
      present += step;
      step *= 2;
    }
    let absent = present + step;
    while (absent - present > 1) {
      const mid = Math.floor((present + absent) / 2);
      if (await this.exists(mid)) present = mid;
      else absent = mid;
    }
    return present;
  }

  /**
   * Writes the event at the next free position; resolves once written. Events published by
   * this process are written in the order published, several per insert when they queue up.
   */
  publish(event: JobEventDoc): Promise<void> {
    return this.publishMany([event]);
  }

  /** Writes the events at the next free positions, in this order, in one insert when nothing else is queued. */
  async publishMany(events: readonly JobEventDoc[]): Promise<void> {
    const written = events.map((event) => new Promise<void>((resolve, reject) => this.queue.push({ event, resolve, reject })));
    if (!this.flushing) void this.flush();
    await Promise.all(written);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.write(batch.map((p) => p.event));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
    this.maybeTrim();
  }

  /** Writes the events, in order, at the next free position: one entry for the lot. */
  private async write(events: JobEventDoc[]): Promise<void> {
    const [event, ...more] = events;
    const entry = (position: number): JobEventFeedDoc => ({ _id: feedPositionId(position), event: event!, ...(more.length > 0 ? { more } : {}) });
    for (let tries = 0; tries < MAX_WRITE_TRIES; tries++) {
      if (this.head === null || Date.now() - this.lastWriteAt > HEAD_REFRESH_MS) {
        // Idle for a while: other writers may have moved on, or the trim may have passed our head.
        this.head = await this.newestPosition(this.head ?? undefined);
      }
      const position = this.head + 1;
      try {
        await this.collection.insertOne(entry(position));
        this.head = position;
        this.lastWriteAt = Date.now();
        return;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Another writer took it: carry on after the newest position.
        this.head = await this.newestPosition(position);
        this.lastWriteAt = Date.now();
      }
    }
    throw new Error(`could not write ${events.length} event(s) to ${JOB_EVENT_FEED_COLLECTION}: too much contention`);
  }

  /** On FerretDB: at most every trimIntervalMs, one trim at a time, never awaited by writers. */
  private maybeTrim(): void {
    if (!this.trims || this.trimming || Date.now() - this.lastTrimAt < this.trimIntervalMs) return;
    this.lastTrimAt = Date.now();
    this.trimming = this.trim()
      .catch(() => {})
      .finally(() => {
        this.trimming = null;
      });
  }

  /** Deletes the oldest entries over `maxDocs` (FerretDB's `compact` on a capped collection). */
  async trim(): Promise<void> {
    await this.db.command({ compact: JOB_EVENT_FEED_COLLECTION });
  }
}
