/** Tenants and their API keys. Keys are stored as SHA-256 hashes only. */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../duplicate-key.js';

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
  /** Set once the key is revoked; a revoked key is refused. */
  revokedAt?: Date;
  /** Optional: the key is refused from this time on. */
  expiresAt?: Date;
  /** Updated at most once a minute per process (see src/auth/key-revocation.ts). */
  lastUsedAt?: Date;
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

  async addKey(tenantId: string, keyHash: string, prefix: string, expiresAt?: Date): Promise<void> {
    await this.keys.insertOne({ _id: keyHash, tenantId, prefix, createdAt: new Date(), ...(expiresAt ? { expiresAt } : {}) });
  }

  findByName(name: string): Promise<TenantDoc | null> {
    return this.tenants.findOne({ name });
  }

  /** A tenant's keys, oldest first (an operator listing: served by the tenantId index). */
  listKeys(tenantId: string): Promise<ApiKeyDoc[]> {
    return this.keys.find({ tenantId }).sort({ createdAt: 1 }).toArray();
  }

  /** Keys whose hash starts with `idPrefix` (an operator's copy of a listed id). */
  findKeysByIdPrefix(idPrefix: string): Promise<ApiKeyDoc[]> {
    return this.keys.find({ _id: { $regex: `^${idPrefix.replace(/[^0-9a-f]/g, '')}` } }).limit(2).toArray();
  }

  /** Marks the key revoked (once: a second revocation keeps the first time). */
  async revokeKey(keyHash: string, at: Date): Promise<boolean> {
    const doc = await this.keys.findOne({ _id: keyHash });
    if (!doc) return false;
    if (!doc.revokedAt) await this.keys.updateOne({ _id: keyHash }, { $set: { revokedAt: at } });
    return true;
  }

  async touchKey(keyHash: string, at: Date): Promise<void> {
    await this.keys.updateOne({ _id: keyHash }, { $set: { lastUsedAt: at } });
  }

  findKey(keyHash: string): Promise<ApiKeyDoc | null> {
    return this.keys.findOne({ _id: keyHash });
  }
}
