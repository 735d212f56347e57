/**
 * A sliding-window limit shared by every process through unique inserts: "at most
 * `capacity` grants in any stretch of `windowMs`", with no window edge to burst across.
 *
 * Grants of one series are numbered 0, 1, 2, … and grant `k` is claimed by inserting its
 * `_id` together with the moment it may be used: no earlier than grant `k - capacity`'s
 * moment plus one window. Any `capacity + 1` grants include two whose numbers differ by a
 * multiple of `capacity`, so they are a window or more apart: no stretch of one window holds
 * more than `capacity` of them, whichever process claimed them and in whatever order.
 *
 * A number is tried only when the one before it is known to be taken (it was ours, someone
 * else's insert failed on it, or the shared head hint names it or a later one), and a claim
 * inserts its numbers in order, so the taken numbers run on without a gap: every earlier
 * grant exists, or was dropped because a grant `maxCapacity` further on exists, and a claim
 * that finds the grant it must wait for missing knows its own number is taken too.
 * Everything is read by `_id`; a series holds about `maxCapacity` documents.
 */
import type { Grant } from '../../db/jobs/index.js';

export interface GrantStore {
  /** Grant `id` (when it may be used, the last number claimed with it), or null when it was never taken or has been dropped. */
  grant(id: string): Promise<Grant | null>;
  /** Inserts `ids` in order, usable at `at`, the last numbered `last`; how many went in before one that was taken. */
  claim(ids: readonly string[], at: number, last: number): Promise<number>;
  /** Removes grants no claim reads any more. */
  forget(ids: readonly string[]): Promise<void>;
  head(series: string): Promise<number | null>;
  saveHead(series: string, k: number): Promise<void>;
}

export interface ClaimRequest {
  /** `r:<model>` or `t:<model>`. */
  series: string;
  /** Grants allowed in any stretch of `windowMs` now (the adaptive share of `maxCapacity`). */
  capacity: number;
  /** The configured capacity: a grant that many numbers back is never read again. */
  maxCapacity: number;
  /** Grants this call needs, all usable at the same moment (at most `capacity`). */
  count: number;
  windowMs: number;
  /** The moment returned is not before this: now, or the moment another limit granted the same call. */
  notBefore: number;
}

/** Ids dropped in one `forget`: fewer round trips, and a series stays near `maxCapacity` documents. */
const FORGET_BATCH = 16;

export class SlidingWindowGrants {
  /** Per series: the next number worth trying, as far as this process knows. */
  private readonly next = new Map<string, number>();
  private forgettable: string[] = [];

  constructor(private readonly store: GrantStore) {}

  /** Claims `count` grants and returns the moment they may be used (now or later). */
  async claim(req: ClaimRequest): Promise<number> {
    const capacity = Math.max(1, Math.floor(req.capacity));
    const count = Math.min(Math.max(1, req.count), capacity);
    for (;;) {
      const head = await this.store.head(req.series);
      const k = Math.max(this.next.get(req.series) ?? 0, head === null ? 0 : head + 1);
      const waitsFor = range(k - capacity, count).filter((n) => n >= 0);
      const before = await Promise.all(waitsFor.map((n) => this.store.grant(idOf(req.series, n))));
      const dropped = before.findIndex((g) => g === null);
      if (dropped >= 0) {
        // Dropped because grant (that number + maxCapacity) exists: k is taken too.
        this.next.set(req.series, Math.max(k + 1, waitsFor[dropped]! + req.maxCapacity + 1));
        continue;
      }
      const at = Math.max(req.notBefore, ...before.map((g) => g!.at + req.windowMs));
      const ids = range(k, count).map((n) => idOf(req.series, n));
      const inserted = await this.store.claim(ids, at, k + count - 1);
      // Either all went in, or the one after the last inserted is someone else's: skip the
      // whole claim it belongs to rather than trying its numbers one by one.
      this.next.set(req.series, inserted === count ? k + count : await this.pastClaimOf(req.series, k + inserted));
      if (inserted === 0) continue;
      void this.store.saveHead(req.series, k + inserted - 1).catch(() => {});
      this.dropBehind(req, k, inserted);
      // A partial claim's grants stay, unused: they only make later claims wait longer.
      if (inserted === count) return at;
    }
  }

  /**
   * The next number worth trying after grant `n`, which is taken: past the last number of
   * its claim when that one is taken too (the taken numbers run on without a gap, so all in
   * between are), else just past `n`.
   */
  private async pastClaimOf(series: string, n: number): Promise<number> {
    const taken = await this.store.grant(idOf(series, n));
    if (!taken || taken.last <= n) return n + 1;
    return (await this.store.grant(idOf(series, taken.last))) ? taken.last + 1 : n + 1;
  }

  /** Grants `maxCapacity` behind the ones just taken are read by no claim from now on. */
  private dropBehind(req: ClaimRequest, k: number, inserted: number): void {
    for (const n of range(k - req.maxCapacity, inserted)) if (n >= 0) this.forgettable.push(idOf(req.series, n));
    if (this.forgettable.length < FORGET_BATCH) return;
    const ids = this.forgettable;
    this.forgettable = [];
    void this.store.forget(ids).catch(() => {});
  }
}

function idOf(series: string, n: number): string {
  return `${series}:${n}`;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
