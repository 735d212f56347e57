/** Tenants and their API keys. Keys are stored as SHA-256 hashes only. */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

export interface TenantDoc {
  _id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyDoc {
  /** SHA-256 (hex) of the key: the key itself is never stored. */
  _id: string;
  tenantId: string;
  /** The key's first characters, to tell keys apart in listings. */
  prefix: string;
  createdAt: Date;
}

export class TenantsRepository {
  private readonly tenants: Collection<TenantDoc>;
  private readonly keys: Collection<ApiKeyDoc>;

  constructor(db: Db) {
    this.tenants = db.collection<TenantDoc>('tenants');
    this.keys = db.collection<ApiKeyDoc>('api_keys');
  }

  async ensureIndexes(): Promise<void> {
    await this.tenants.createIndex({ name: 1 }, { unique: true });
    await this.keys.createIndex({ tenantId: 1 });
  }

  /** The tenant of that name, created when new. Safe when two callers race (unique name). */
  async findOrCreateByName(name: string): Promise<TenantDoc> {
    const existing = await this.tenants.findOne({ name });
    if (existing) return existing;
    const doc: TenantDoc = { _id: randomUUID(), name, createdAt: new Date() };
    try {
      await this.tenants.insertOne(doc);
      return doc;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const winner = await this.tenants.findOne({ name });
      if (!winner) throw err;
      return winner;
    }
  }

  findById(id: string): Promise<TenantDoc | null> {
    return this.tenants.findOne({ _id: id });
  }

  async addKey(tenantId: string, keyHash: string, prefix: string): Promise<void> {
    await this.keys.insertOne({ _id: keyHash, tenantId, prefix, createdAt: new Date() });
  }

  findKey(keyHash: string): Promise<ApiKeyDoc | null> {
    return this.keys.findOne({ _id: keyHash });
  }
}
