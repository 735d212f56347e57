/**
 * Idempotency keys, per tenant: the first request with a key reserves the id of what it
 * creates (a claim under a unique id), so a replay returns that object and a request
 * that reuses the key for something else is a CONFLICT. If the first request died
 * between reserving and creating, the replay finishes creating it under the reserved id.
 *
 * "The same request" means every field that shapes what is created (kind, input, model,
 * budget, priority, attempts, metadata …), compared as canonical JSON: object keys in any
 * order are the same request; a changed value is a CONFLICT that names the field.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { AppError, ErrorCode } from '../../errors/index.js';
import type { ClaimsRepository } from '../../db/jobs/index.js';

export type Reservation = { fresh: true; id: string } | { fresh: false; id: string };

/** A request's substance: one hash over all its fields, and one per field to name a difference. */
export interface RequestFingerprint {
  hash: string;
  /** `name:hash,name:hash`, in a fixed order. */
  fields: string;
}

/** Canonical JSON (keys sorted at every level): the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return stringify(value ?? null) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** `fields`: the request's effective values, by the input name a client would recognise. */
export function fingerprint(fields: Record<string, unknown>): RequestFingerprint {
  const names = Object.keys(fields).sort();
  return {
    hash: sha256(canonicalJson(fields)),
    fields: names.map((n) => `${n}:${sha256(canonicalJson(fields[n])).slice(0, 16)}`).join(','),
  };
}

export async function reserveKey(
  claims: ClaimsRepository,
  scope: { tenantId: string; what: 'job' | 'batch'; key: string },
  id: string,
  print: RequestFingerprint,
  /** The hash claims made before fingerprints had (kind + input, or the documents), so their replays still match. */
  legacyHash: string,
): Promise<Reservation> {
  const claimId = idempotencyClaimId(scope.tenantId, scope.what, scope.key);
  if (await claims.tryClaim(claimId, 'api', { id, hash: print.hash, fields: print.fields })) return { fresh: true, id };
  const existing = await claims.find(claimId);
  if (!existing?.value) throw new Error(`idempotency claim ${claimId} has no value`);
  const stored = existing.value;
  if (typeof stored.fields === 'string') {
    if (stored.hash !== print.hash) throw keyConflict(scope, differingFields(stored.fields, print.fields));
  } else if (stored.hash !== legacyHash) {
    throw keyConflict(scope, scope.what === 'job' ? ['kind', 'input'] : ['documents']);
  }
  return { fresh: false, id: String(stored.id) };
}

/** The claim's id; retention deletes it with what it names. */
export function idempotencyClaimId(tenantId: string, what: 'job' | 'batch', key: string): string {
  return `idem:${tenantId}:${what}:${key}`;
}

function differingFields(before: string, now: string): string[] {
  const parse = (s: string) => new Map(s.split(',').map((p) => p.split(':') as [string, string]));
  const a = parse(before);
  const b = parse(now);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => a.get(n) !== b.get(n));
}

/** CONFLICT naming what differs; `path` points at the first of it. */
function keyConflict(scope: { what: 'job' | 'batch'; key: string }, fields: string[]): AppError {
  const what = scope.what === 'job' ? 'job' : 'batch';
  const list = fields.length > 0 ? fields.join(', ') : 'request';
  return new AppError(
    ErrorCode.CONFLICT,
    `idempotencyKey "${scope.key}" was already used for a ${what} with a different ${list}; use a new key for a different request`,
    fields.length > 0 ? ['input', fields[0]!] : undefined,
  );
}

/** Polls for an object being created by a concurrent first request, up to `timeoutMs`. */
export async function awaitCreated<T>(load: () => Promise<T | null>, timeoutMs = 3_000): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await load();
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}
