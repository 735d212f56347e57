/**
 * Append-only logs addressed only by `_id`: entry n of a log is `${log}:${n}` (n = 1, 2, 3 …).
 * A writer appends n + 1 only after reading n, and the unique `_id` lets exactly one writer
 * win each n, on MongoDB and on FerretDB alike (where a conditional update is not atomic).
 * So the entries of a log are a gapless prefix 1 … last, and the last one can be found with
 * `_id` lookups alone: gallop forward from what this process last saw, then bisect. Entries
 * never change once written, so every process may cache what it has read.
 *
 * An entry typically carries running totals, so reading the last one answers "how much so
 * far" without summing anything; a whole log may be dropped once nobody reads it (by `_id`).
 */
import type { Collection, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { insertUnlessTaken } from './duplicate-key.js';

export interface SequenceEntry {
  /** `${log}:${seq}` */
  _id: string;
  seq: number;
}

/** Entries cached per process; they are immutable, so a cached one is never stale. */
const CACHE_LIMIT = 20_000;

export class SequenceLog<T extends SequenceEntry> {
  private readonly cache = new Map<string, T>();
  /** Per log: the highest seq this process knows to exist. */
  private readonly known = new Map<string, number>();

  constructor(readonly collection: Collection<T>) {}

  static id(log: string, seq: number): string {
    return `${log}:${seq}`;
  }

  /** Entry `seq` of the log, or null when it has not been written (or was dropped). */
  async get(log: string, seq: number): Promise<T | null> {
    if (seq < 1) return null;
    const id = SequenceLog.id(log, seq);
    const cached = this.cache.get(id);
    if (cached) return cached;
    const doc = (await this.collection.findOne({ _id: id } as Filter<T>)) as T | null;
    if (doc) this.remember(log, doc);
    return doc;
  }

  /** The log's last entry (null when it is empty): about 2·log2(new entries) lookups. */
  async last(log: string): Promise<T | null> {
    let lo = this.known.get(log) ?? 0;
    let loDoc = lo > 0 ? await this.get(log, lo) : null;
    if (lo > 0 && !loDoc) {
      // Dropped under us (an old log cleaned up): start again from nothing.
      this.known.delete(log);
      lo = 0;
    }
    let step = 1;
    let hi = lo + step;
    for (;;) {
      const doc = await this.get(log, hi);
      if (!doc) break;
      lo = hi;
      loDoc = doc;
      step *= 2;
      hi = lo + step;
    }
    // lo exists (or is 0), hi does not: bisect between them.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const doc = await this.get(log, mid);
      if (doc) {
        lo = mid;
        loDoc = doc;
      } else hi = mid;
    }
    return loDoc;
  }

  /**
   * The first entry in from … to whose `test` holds, given that it fails for every entry
   * before that one and holds for every one after (e.g. "written after t"); null when none.
   */
  async firstWhere(log: string, from: number, to: number, test: (doc: T) => boolean): Promise<T | null> {
    let lo = from - 1;
    let hi = to + 1;
    let found: T | null = null;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const doc = await this.get(log, mid);
      if (doc && test(doc)) {
        hi = mid;
        found = doc;
      } else lo = mid;
    }
    return found;
  }

  /** Appends the entry (its `seq` must be the last one's plus one); false when another writer took that seq first. */
  async append(log: string, doc: Omit<T, '_id'>): Promise<boolean> {
    const full = { ...doc, _id: SequenceLog.id(log, doc.seq) } as T;
    const won = await insertUnlessTaken(this.collection, full as OptionalUnlessRequiredId<T>);
    if (won) this.remember(log, full);
    return won;
  }

  /** Drops whole logs nobody reads any more (their ids), and forgets them here. */
  async drop(logs: ReadonlyArray<{ log: string; last: number }>): Promise<void> {
    const ids: string[] = [];
    for (const { log, last } of logs) {
      this.known.delete(log);
      for (let n = 1; n <= last; n++) {
        const id = SequenceLog.id(log, n);
        this.cache.delete(id);
        ids.push(id);
      }
    }
    if (ids.length > 0) await this.collection.deleteMany({ _id: { $in: ids } } as Filter<T>);
  }

  private remember(log: string, doc: T): void {
    if (doc.seq > (this.known.get(log) ?? 0)) this.known.set(log, doc.seq);
    if (this.cache.size >= CACHE_LIMIT) {
      // Oldest first (Map keeps insertion order): recent entries are the ones read again.
      for (const key of [...this.cache.keys()].slice(0, CACHE_LIMIT / 4)) this.cache.delete(key);
    }
    this.cache.set(doc._id, doc);
  }
}
