/**
 * The shared AI rate limit's state, by `_id` only: one document per unit of a window's
 * capacity (claimed by inserting it: the unique `_id` makes the claim exclusive on every
 * server), and one adaptive-state document per model.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

interface SlotDoc {
  /** `${kind}:${model}:${window}:${index}` */
  _id: string;
  at: Date;
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
  private readonly slots: Collection<SlotDoc>;
  private readonly states: Collection<RateStateDoc>;

  constructor(db: Db) {
    this.slots = db.collection<SlotDoc>('ai_rate_slots');
    this.states = db.collection<RateStateDoc>('ai_rate_state');
  }

  /** True when this caller took the slot; false when someone else has it. */
  claim(id: string): Promise<boolean> {
    return insertUnlessTaken(this.slots, { _id: id, at: new Date() });
  }

  /** Removes slots of windows that are over (ids this process claimed). */
  async forget(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.slots.deleteMany({ _id: { $in: ids } });
  }

  state(model: string): Promise<RateStateDoc | null> {
    return this.states.findOne({ _id: `state:${model}` });
  }

  async saveState(doc: RateStateDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await this.states.replaceOne({ _id }, rest, { upsert: true });
  }
}
