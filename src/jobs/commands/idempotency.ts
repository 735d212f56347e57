/**
 * Idempotency keys, per tenant: the first request with a key reserves the id of what it
 * creates (a claim under a unique id), so a replay returns that object and a request
 * that reuses the key for something else is a CONFLICT. If the first request died
 * between reserving and creating, the replay finishes creating it under the reserved id.
 */
import { conflict } from '../../errors/index.js';
import type { ClaimsRepository } from '../../db/jobs/index.js';

export type Reservation = { fresh: true; id: string } | { fresh: false; id: string };

export async function reserveKey(
  claims: ClaimsRepository,
  scope: { tenantId: string; what: 'job' | 'batch'; key: string },
  id: string,
  hash: string,
): Promise<Reservation> {
  const claimId = `idem:${scope.tenantId}:${scope.what}:${scope.key}`;
  if (await claims.tryClaim(claimId, 'api', { id, hash })) return { fresh: true, id };
  const existing = await claims.find(claimId);
  if (!existing?.value) throw new Error(`idempotency claim ${claimId} has no value`);
  if (existing.value.hash !== hash) {
    throw conflict(`idempotencyKey "${scope.key}" was already used for a different ${scope.what === 'job' ? 'kind or input' : 'set of documents'}`);
  }
  return { fresh: false, id: String(existing.value.id) };
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
