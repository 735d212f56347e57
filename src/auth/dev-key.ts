/**
 * The development API key that `npm start` prints when it runs its own database. It is
 * kept in DATA_DIR (mode 0600) beside the data it opens, so the same key works after a
 * restart; the database still holds only its hash.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TenantsRepository } from '../db/tenants/index.js';
import { createApiKey, hashApiKey } from './api-keys.js';

export const DEV_TENANT = 'development';

export async function ensureDevApiKey(repo: TenantsRepository, dataDir: string): Promise<string> {
  const file = join(dataDir, 'dev-api-key');
  const existing = readKeyFile(file);
  if (existing && (await repo.findKey(hashApiKey(existing)))) return existing;
  const { key } = await createApiKey(repo, DEV_TENANT);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

function readKeyFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
