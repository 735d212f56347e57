/**
 * Claims: exclusive rights taken by inserting a document under a unique `_id`. Both
 * MongoDB and FerretDB let exactly one insert of an `_id` succeed, which is what makes a
 * claim safe where FerretDB's findAndModify is not atomic. Used for job lease
 * generations (in `job_lease_claims`), idempotency keys and one-time transitions.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface ClaimDoc {
  _id: string;
  owner: string;
  at: Date;
  /** Free-form facts stored with the claim (e.g. the id an idempotency key maps to). */
  value?: Record<string, string | number | boolean | null>;
}

export class ClaimsRepository {
  private readonly collection: Collection<ClaimDoc>;

  /** `name`: the collection; lease claims live in their own, which holds live work only. */
  constructor(db: Db, name = 'claims') {
    this.collection = db.collection<ClaimDoc>(name);
  }

  /** True when this caller took the claim; false when someone already holds it. */
  async tryClaim(id: string, owner: string, value?: ClaimDoc['value']): Promise<boolean> {
    return insertUnlessTaken(this.collection, { _id: id, owner, at: new Date(), ...(value ? { value } : {}) });
  }

  find(id: string): Promise<ClaimDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /**
   * The ids among `ids` that are claimed. One `_id` lookup each rather than an `$in`
   * query: FerretDB answers only an exact `{ _id }` filter from its index (callers pass
   * a handful of ids, e.g. the jobs one worker is running).
   */
  async existing(ids: string[]): Promise<string[]> {
    const found = await Promise.all(ids.map((_id) => this.collection.findOne({ _id }, { projection: { _id: 1 } })));
    return found.filter((d): d is ClaimDoc => d !== null).map((d) => d._id);
  }

  async release(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }
}
