/**
 * One process's reads of job events by `_id`: events never change once stored, so a found
 * one is kept (least recently used dropped past `capacity`), and identical lookups in flight
 * are shared, so that thousands of subscribers replaying the same job read it once.
 */
import type { JobEventDoc } from './docs.js';

type Lookup = (id: string) => Promise<JobEventDoc | null>;
type InFlight = { tick: number; promise: Promise<JobEventDoc | null> };

export class EventReadCache {
  private readonly found = new Map<string, JobEventDoc>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Recent misses for peek(): id → [time of the lookup, its promise]. */
  private readonly recentMisses = new Map<string, { at: number; promise: Promise<JobEventDoc | null> }>();
  private ticks = 0;

  constructor(
    private readonly lookup: Lookup,
    private readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`cache capacity must be an integer >= 0, got ${capacity}`);
  }

  /** Drops a deleted event (retention), so later reads see it gone. */
  forget(id: string): void {
    this.found.delete(id);
    this.recentMisses.delete(id);
  }

  /** A point in the order of lookups (see get). */
  mark(): number {
    return ++this.ticks;
  }

  /**
   * The event, or null if not stored. A lookup in flight is shared only if it started after
   * `notBefore` (a mark), so a caller that needs to see what was stored before its mark does.
   */
  get(id: string, notBefore = 0): Promise<JobEventDoc | null> {
    const hit = this.found.get(id);
    if (hit) {
      this.found.delete(id);
      this.found.set(id, hit);
      return Promise.resolve(hit);
    }
    const running = this.inFlight.get(id);
    if (running && running.tick > notBefore) return running.promise;
    const entry: InFlight = { tick: this.mark(), promise: Promise.resolve(null) };
    entry.promise = this.lookup(id).then(
      (doc) => {
        if (this.inFlight.get(id) === entry) this.inFlight.delete(id);
        if (doc) this.remember(doc);
        return doc;
      },
      (err: unknown) => {
        if (this.inFlight.get(id) === entry) this.inFlight.delete(id);
        throw err;
      },
    );
    this.inFlight.set(id, entry);
    return entry.promise;
  }

  /** Like get, but a miss found less than `maxAgeMs` ago is answered again without a lookup. */
  peek(id: string, maxAgeMs: number): Promise<JobEventDoc | null> {
    const hit = this.found.get(id);
    if (hit) return Promise.resolve(hit);
    const now = Date.now();
    const recent = this.recentMisses.get(id);
    if (recent && now - recent.at < maxAgeMs) return recent.promise;
    const promise = this.get(id);
    this.recentMisses.delete(id);
    this.recentMisses.set(id, { at: now, promise });
    // Only misses stay: a found event is kept in `found`. Old entries go as new ones come.
    void promise.then(
      (doc) => {
        if (doc) this.recentMisses.delete(id);
      },
      () => this.recentMisses.delete(id),
    );
    for (const [key, value] of this.recentMisses) {
      if (now - value.at < maxAgeMs) break;
      this.recentMisses.delete(key);
    }
    return promise;
  }

  remember(doc: JobEventDoc): void {
    if (this.capacity === 0) return;
    this.found.delete(doc._id);
    this.found.set(doc._id, doc);
    if (this.found.size > this.capacity) this.found.delete(this.found.keys().next().value!);
  }
}
