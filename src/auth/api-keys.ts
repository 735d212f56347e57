/**
 * API keys: `ak_` + 32 random bytes in base64url. Only the SHA-256 of a key is stored;
 * a key is compared by looking up its hash, so no timing-sensitive comparison is needed.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TenantDoc, TenantsRepository } from '../db/tenants/index.js';
import { unauthenticated } from '../errors/index.js';
import { keyRefusal, noteKeyUse } from './key-revocation.js';

const KEY_PREFIX = 'ak_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Creates the tenant if new and returns a fresh key for it. */
export async function createApiKey(repo: TenantsRepository, tenantName: string, expiresAt?: Date): Promise<{ key: string; tenant: TenantDoc }> {
  const name = tenantName.trim();
  if (name === '' || name.length > 200) throw new Error('--tenant must be a name of 1 to 200 characters');
  const tenant = await repo.findOrCreateByName(name);
  const key = generateApiKey();
  await repo.addKey(tenant._id, hashApiKey(key), key.slice(0, 10), expiresAt);
  return { key, tenant };
}

/** Parses `Bearer <key>` (the WebSocket carries the same string in connectionParams). */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** The tenant of an Authorization value, or UNAUTHENTICATED. */
export async function authenticate(repo: TenantsRepository, authorization: unknown): Promise<TenantDoc> {
  return (await authenticateKey(repo, authorization)).tenant;
}

/** The tenant and the key's id (its hash), which open WebSockets are re-checked by. */
export async function authenticateKey(repo: TenantsRepository, authorization: unknown): Promise<{ tenant: TenantDoc; keyId: string }> {
  const key = bearerToken(authorization);
  if (!key) throw unauthenticated();
  const found = await repo.findKey(hashApiKey(key));
  if (!found) throw unauthenticated('the API key is not valid');
  const refusal = keyRefusal(found, new Date());
  if (refusal) throw unauthenticated(refusal);
  const tenant = await repo.findById(found.tenantId);
  if (!tenant) throw unauthenticated('the API key is not valid');
  noteKeyUse(repo, found);
  return { tenant, keyId: found._id };
}
