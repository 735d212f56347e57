/**
 * `service_keys`: keys the service makes for itself when the operator gave none, one document
 * per purpose, written once (a unique `_id`: of two processes starting together, the first
 * insert wins and both read it). Today: the key that signs review callback URLs in a
 * deployment without WEBHOOK_SECRET_KEY (development); with it, the key is derived from that
 * secret instead and nothing is stored here.
 */
import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

interface ServiceKeyDoc {
  _id: string;
  /** base64 of the key's bytes. */
  key: string;
  createdAt: Date;
}

export class ServiceKeysRepository {
  private readonly collection: Collection<ServiceKeyDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ServiceKeyDoc>('service_keys');
  }

  /** The key stored for `purpose`, made (32 random bytes) and stored if there is none. */
  async getOrCreate(purpose: string): Promise<Buffer> {
    await insertUnlessTaken(this.collection, { _id: purpose, key: randomBytes(32).toString('base64'), createdAt: new Date() });
    const doc = await this.collection.findOne({ _id: purpose });
    if (!doc) throw new Error(`service key ${purpose} could not be stored`);
    return Buffer.from(doc.key, 'base64');
  }
}
