/**
 * The shared AI rate limit's state, by `_id` only. Each limit (requests or tokens of one
 * model) is a numbered series of grants: grant `k` is claimed by inserting `<series>:<k>`
 * (the unique `_id` makes the claim exclusive on every server) with the moment it may be
 * used, and a hint of the highest number taken. One adaptive-state document per model.
 */
import { MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import { isDuplicateKeyError } from '../duplicate-key.js';

interface GrantDoc {
  /** `<series>:<k>` */
  _id: string;
  /** When the grant may be used (the caller waits until then). */
  at: Date;
  /** The number of the last grant claimed with this one (one call's token units go together). */
  last: number;
}

/** One grant as a claim reads it. */
export interface Grant {
  at: number;
  last: number;
}

interface HeadDoc {
  /** `head:<series>` */
  _id: string;
  /** A grant number that has been taken (a hint: concurrent writers may set an older one). */
  k: number;
}

export interface RateStateDoc {
  /** `state:${model}` */
  _id: string;
  /** Share of the configured rate allowed since `decreasedAt` (0.1 … 1). */
  factor: number;
  decreasedAt: Date;
  /** No worker calls the model before this (the provider's Retry-After). */
  blockedUntil: Date;
}

export class RateLimitRepository {
  private readonly grants: Collection<GrantDoc>;
  private readonly states: Collection<RateStateDoc>;
  private readonly heads: Collection<HeadDoc>;

  constructor(db: Db) {
    this.grants = db.collection<GrantDoc>('ai_rate_grants');
    this.states = db.collection<RateStateDoc>('ai_rate_state');
    this.heads = db.collection<HeadDoc>('ai_rate_state');
  }

  /** Grant `id`, or null when it was never taken or has been dropped. */
  async grant(id: string): Promise<Grant | null> {
    const doc = await this.grants.findOne({ _id: id });
    return doc ? { at: doc.at.getTime(), last: doc.last } : null;
  }

  /**
   * Inserts the grants `ids` in order, all usable at `at`, the last numbered `last`; returns
   * how many were inserted before one that someone else holds (then the rest are not tried).
   */
  async claim(ids: readonly string[], at: number, last: number): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      await this.grants.insertMany(ids.map((_id) => ({ _id, at: new Date(at), last })), { ordered: true });
      return ids.length;
    } catch (err) {
      if (err instanceof MongoBulkWriteError) {
        // Ordered: everything before the first error was inserted, nothing after it was tried.
        const first = [err.writeErrors].flat()[0];
        if (first?.code === 11000) return first.index;
      } else if (isDuplicateKeyError(err)) {
        return 0;
      }
      throw err;
    }
  }

  /** Drops grants no claim reads any more. */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.grants.deleteMany({ _id: { $in: [...ids] } });
  }

  async head(series: string): Promise<number | null> {
    return (await this.heads.findOne({ _id: `head:${series}` }))?.k ?? null;
  }

  async saveHead(series: string, k: number): Promise<void> {
    await this.heads.replaceOne({ _id: `head:${series}` }, { k }, { upsert: true });
  }

  state(model: string): Promise<RateStateDoc | null> {
    return this.states.findOne({ _id: `state:${model}` });
  }

  async saveState(doc: RateStateDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await this.states.replaceOne({ _id }, rest, { upsert: true });
  }
}
