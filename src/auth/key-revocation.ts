/**
 * The life of an API key after creation: expiry, revocation, last use, and the listing
 * operators see. A revoked or expired key is refused at once and its sockets closed.
 */
import type { ApiKeyDoc, TenantsRepository } from '../db/tenants/index.js';
import { parseDuration } from '../config/index.js';

/** Why a stored key may not be used now, or undefined when it may. */
export function keyRefusal(doc: ApiKeyDoc, now: Date): string | undefined {
  if (doc.revokedAt) return 'the API key was revoked';
  if (doc.expiresAt && doc.expiresAt.getTime() <= now.getTime()) return 'the API key has expired';
  return undefined;
}

/** lastUsedAt is written at most this often per key and process: not one write per request. */
const TOUCH_EVERY_MS = 60_000;
const lastTouched = new Map<string, number>();

/** Records the key's use in the background; a failed write only delays lastUsedAt. */
export function noteKeyUse(repo: TenantsRepository, doc: ApiKeyDoc): void {
  const now = Date.now();
  if (now - (lastTouched.get(doc._id) ?? 0) < TOUCH_EVERY_MS) return;
  if (lastTouched.size > 10_000) lastTouched.clear();
  lastTouched.set(doc._id, now);
  repo.touchKey(doc._id, new Date(now)).catch(() => lastTouched.delete(doc._id));
}

/** `--expires-in 30d` → the time it ends; throws naming the flag on a bad value. */
export function parseExpiresIn(text: string | undefined, now = new Date()): Date | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new Error(`--expires-in must be a duration such as 12h, 30d (got ${JSON.stringify(text)})`);
  return new Date(now.getTime() + ms);
}

export interface KeyListing {
  id: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export async function listApiKeys(repo: TenantsRepository, tenantName: string): Promise<KeyListing[]> {
  const tenant = await repo.findByName(tenantName.trim());
  if (!tenant) throw new Error(`no tenant named ${JSON.stringify(tenantName)}`);
  const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
  return (await repo.listKeys(tenant._id)).map((k) => ({
    id: k._id,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
  }));
}

/** Revokes by the key itself or by its listed id (or a unique start of it, 12+ characters). */
export async function revokeApiKey(repo: TenantsRepository, by: { keyHash?: string; id?: string }): Promise<string> {
  let id = by.keyHash;
  if (!id && by.id) {
    const wanted = by.id.trim().toLowerCase();
    if (!/^[0-9a-f]{12,64}$/.test(wanted)) throw new Error('--id must be a key id from list-api-keys (at least 12 hex characters)');
    const matches = wanted.length === 64 ? [{ _id: wanted }] : await repo.findKeysByIdPrefix(wanted);
    if (matches.length > 1) throw new Error(`--id ${wanted} matches more than one key: give more of it`);
    id = matches[0]?._id;
  }
  if (!id || !(await repo.revokeKey(id, new Date()))) throw new Error('no such API key');
  return id;
}
