/**
 * Scoped access tokens: stored by the SHA-256 of the token (never the token), with the
 * hash of the API key that minted it, the ids it may read and the kinds it may submit.
 * Every read and write is by `_id`, the one filter FerretDB serves from an index.
 */
import type { Collection, Db } from 'mongodb';
import type { SubmitAllowance } from '../../config/index.js';

export interface AccessTokenDoc {
  /** SHA-256 (hex) of the token. */
  _id: string;
  tenantId: string;
  /** The `_id` (hash) of the API key that minted it: revoking that key ends the token. */
  keyHash: string;
  jobIds: string[];
  batchIds: string[];
  submitKinds: string[];
  /** May upload files; absent on tokens minted before uploads existed (they may not). */
  uploadFiles?: boolean;
  /** Files uploaded with the token. */
  fileIds?: string[];
  /** What its submissions may ask for (absent on tokens minted before there was one: the configured ceiling applies). */
  allowance?: SubmitAllowance;
  createdAt: Date;
  expiresAt: Date;
}

export class AccessTokensRepository {
  private readonly tokens: Collection<AccessTokenDoc>;

  constructor(db: Db) {
    this.tokens = db.collection<AccessTokenDoc>('access_tokens');
  }

  async insert(doc: AccessTokenDoc): Promise<void> {
    await this.tokens.insertOne(doc);
  }

  find(hash: string): Promise<AccessTokenDoc | null> {
    return this.tokens.findOne({ _id: hash });
  }

  /** Widens the scope by a job or batch submitted, or a file uploaded, with the token. */
  async addIds(hash: string, ids: { jobIds?: string[]; batchIds?: string[]; fileIds?: string[] }): Promise<void> {
    const add: Record<string, { $each: string[] }> = {};
    if (ids.jobIds?.length) add.jobIds = { $each: ids.jobIds };
    if (ids.batchIds?.length) add.batchIds = { $each: ids.batchIds };
    if (ids.fileIds?.length) add.fileIds = { $each: ids.fileIds };
    if (Object.keys(add).length) await this.tokens.updateOne({ _id: hash }, { $addToSet: add });
  }
}
