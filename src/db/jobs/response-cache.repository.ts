/**
 * Stored AI answers, addressed by the hash of everything that decides an answer (the
 * tenant, the provider, the model, the messages and the parameters), so that an identical
 * call of a job that asked for the response cache reuses one instead of paying again.
 * Every read is an exact `_id` lookup, the one query FerretDB answers from its index.
 *
 * Entries expire at `expiresAt`: a TTL index removes them on MongoDB. FerretDB has no TTL
 * indexes, so there an expired entry is never served (the read checks `expiresAt`) and is
 * removed when it is next looked up or by `removeExpired`, which the cache runs now and then.
 */
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../duplicate-key.js';

export interface ResponseCacheDoc {
  /** SHA-256 (hex) of the call's identity; the tenant id is part of what is hashed. */
  _id: string;
  /** Checked again on read: an answer is never served to another tenant, even on a hash collision. */
  tenantId: string;
  /** JSON text of the stored answer. */
  value: string;
  createdAt: Date;
  expiresAt: Date;
}

export class ResponseCacheRepository {
  private readonly collection: Collection<ResponseCacheDoc>;
  /** False when the server refused a TTL index (FerretDB): expired entries then need `removeExpired`. */
  private ttlIndexed = false;

  constructor(db: Db) {
    this.collection = db.collection<ResponseCacheDoc>('ai_response_cache');
  }

  async ensureIndexes(): Promise<void> {
    try {
      await this.collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      this.ttlIndexed = true;
    } catch {
      // FerretDB refuses `expireAfterSeconds`; a plain index still serves removeExpired's query on MongoDB-compatible servers.
      await this.collection.createIndex({ expiresAt: 1 });
    }
  }

  /** Whether expired entries must be removed by `removeExpired` (no TTL index). */
  get needsSweeping(): boolean {
    return !this.ttlIndexed;
  }

  /** The tenant's live entry under `key`, or undefined; an expired one found here is removed. */
  async get(key: string, tenantId: string, now: Date): Promise<unknown | undefined> {
    const doc = await this.collection.findOne({ _id: key });
    if (!doc || doc.tenantId !== tenantId) return undefined;
    if (doc.expiresAt <= now) {
      await this.collection.deleteOne({ _id: key }).catch(() => {});
      return undefined;
    }
    return JSON.parse(doc.value);
  }

  /** Stores an answer; an entry already there (an identical call that finished first) is kept. */
  async put(key: string, tenantId: string, value: unknown, now: Date, expiresAt: Date): Promise<void> {
    const doc: ResponseCacheDoc = { _id: key, tenantId, value: JSON.stringify(value), createdAt: now, expiresAt };
    try {
      await this.collection.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // An expired entry not yet removed gives way to the fresh answer (both by `_id` alone, FerretDB's fast path).
      const stored = await this.collection.findOne({ _id: key });
      if (stored && stored.expiresAt <= now) await this.collection.replaceOne({ _id: key }, doc);
    }
  }

  /** Removes entries past their expiry (a scan on FerretDB; run seldom). Returns how many went. */
  async removeExpired(now: Date): Promise<number> {
    const res = await this.collection.deleteMany({ expiresAt: { $lte: now } });
    return res.deletedCount;
  }
}
