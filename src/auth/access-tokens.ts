/**
 * Minting and checking scoped access tokens (`at_` + 32 random bytes, base64url). A
 * backend mints one with its API key for a browser; the browser uses it as its bearer.
 * It is checked against the database on every request and subscription, so expiry and
 * the revocation of the minting key take effect on every API process.
 */
import { randomBytes } from 'node:crypto';
import type { AccessTokenDoc, AccessTokensRepository, ApiKeyDoc, TenantDoc, TenantsRepository } from '../db/tenants/index.js';
import { badInput, unauthenticated } from '../errors/index.js';
import type { Access, KeyAccess, TokenAccess } from './access-scope.js';
import { authenticate, bearerToken, hashApiKey } from './api-keys.js';
import { narrowAllowance, type AllowanceInput, type SubmitAllowance } from './submit-allowance.js';

const TOKEN_PREFIX = 'at_';
/** Ids named at minting, per list; submissions may add more, up to MAX_SCOPE_IDS in all. */
const MAX_IDS_PER_LIST = 100;

export interface AccessTokenLimits {
  defaultTtlMs: number;
  maxTtlMs: number;
  /** The widest allowance, and the one a token minted without narrower values gets. */
  allowance: SubmitAllowance;
}

export interface MintInput extends AllowanceInput {
  jobIds?: readonly string[] | null;
  batchIds?: readonly string[] | null;
  submitKinds?: readonly string[] | null;
  uploadFiles?: boolean | null;
  expiresInSeconds?: number | null;
}

export interface Caller {
  tenant: TenantDoc;
  access: Access;
}

/** A key that was revoked or has expired mints nothing and keeps no token alive. */
function keyUsable(doc: ApiKeyDoc | null, now: Date): boolean {
  if (!doc) return false;
  const life = doc as ApiKeyDoc & { revokedAt?: Date | null; expiresAt?: Date | null };
  return !life.revokedAt && !(life.expiresAt && life.expiresAt.getTime() <= now.getTime());
}

function idList(value: readonly string[] | null | undefined, field: string): string[] {
  const ids = [...new Set(value ?? [])];
  if (ids.length > MAX_IDS_PER_LIST) throw badInput(['input', field], `at most ${MAX_IDS_PER_LIST} entries`);
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw badInput(['input', field, i], 'must be 1 to 200 characters');
  });
  return ids;
}

export class AccessTokens {
  constructor(
    private readonly repo: AccessTokensRepository,
    private readonly tenants: TenantsRepository,
    private readonly limits: AccessTokenLimits,
  ) {}

  /** A new token for `tenantId`, minted by the key `minter`; `knownKinds` bounds submitKinds. */
  async mint(tenantId: string, minter: KeyAccess, input: MintInput, knownKinds: readonly string[]): Promise<{ token: string; expiresAt: Date; doc: AccessTokenDoc & { allowance: SubmitAllowance } }> {
    const seconds = input.expiresInSeconds ?? this.limits.defaultTtlMs / 1000;
    const maxSeconds = Math.floor(this.limits.maxTtlMs / 1000);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
      throw badInput(['input', 'expiresInSeconds'], `must be a whole number of seconds from 1 to ${maxSeconds}`);
    }
    const submitKinds = idList(input.submitKinds, 'submitKinds');
    submitKinds.forEach((kind, i) => {
      if (!knownKinds.includes(kind)) throw badInput(['input', 'submitKinds', i], `unknown kind ${JSON.stringify(kind)}; one of ${knownKinds.join(', ')}`);
    });
    const allowance = narrowAllowance(this.limits.allowance, input);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = new Date();
    const doc: AccessTokenDoc & { allowance: SubmitAllowance } = {
      _id: hashApiKey(token),
      tenantId,
      keyHash: minter.keyHash,
      jobIds: idList(input.jobIds, 'jobIds'),
      batchIds: idList(input.batchIds, 'batchIds'),
      submitKinds,
      ...(input.uploadFiles ? { uploadFiles: true, fileIds: [] } : {}),
      allowance,
      createdAt: now,
      expiresAt: new Date(now.getTime() + seconds * 1000),
    };
    await this.repo.insert(doc);
    return { token, expiresAt: doc.expiresAt, doc };
  }

  /** The caller of an Authorization value: an API key or a scoped token; else UNAUTHENTICATED. */
  async authenticate(authorization: unknown): Promise<Caller> {
    const bearer = bearerToken(authorization);
    if (bearer?.startsWith(TOKEN_PREFIX)) return this.authenticateToken(hashApiKey(bearer));
    const tenant = await authenticate(this.tenants, authorization);
    return { tenant, access: { kind: 'key', keyHash: hashApiKey(bearer!) } };
  }

  /** Checks a token again (expiry, minting key, scope as it stands now). */
  async authenticateToken(tokenHash: string): Promise<Caller & { access: TokenAccess }> {
    const doc = await this.repo.find(tokenHash);
    const now = new Date();
    if (!doc) throw unauthenticated('the access token is not valid');
    if (doc.expiresAt.getTime() <= now.getTime()) throw unauthenticated('the access token has expired');
    if (!keyUsable(await this.tenants.findKey(doc.keyHash), now)) throw unauthenticated('the API key that minted this access token was revoked');
    const tenant = await this.tenants.findById(doc.tenantId);
    if (!tenant) throw unauthenticated('the access token is not valid');
    return {
      tenant,
      access: {
        kind: 'token',
        tokenHash: doc._id,
        keyHash: doc.keyHash,
        jobIds: new Set(doc.jobIds),
        batchIds: new Set(doc.batchIds),
        submitKinds: new Set(doc.submitKinds),
        uploadFiles: doc.uploadFiles === true,
        fileIds: new Set(doc.fileIds ?? []),
        allowance: doc.allowance ?? this.limits.allowance,
        expiresAt: doc.expiresAt,
      },
    };
  }

  /** A job or batch submitted, or a file uploaded, with a token joins its scope (here and in storage). */
  async widen(access: TokenAccess, ids: { jobId?: string; batchId?: string; fileId?: string }): Promise<void> {
    if (ids.jobId) access.jobIds.add(ids.jobId);
    if (ids.batchId) access.batchIds.add(ids.batchId);
    if (ids.fileId) access.fileIds.add(ids.fileId);
    await this.repo.addIds(access.tokenHash, { jobIds: ids.jobId ? [ids.jobId] : [], batchIds: ids.batchId ? [ids.batchId] : [], fileIds: ids.fileId ? [ids.fileId] : [] });
  }
}
