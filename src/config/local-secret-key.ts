/**
 * Where the key that seals webhook endpoint secrets comes from, so that they are never
 * stored in plain text by default: WEBHOOK_SECRET_KEY when set; with the local database
 * (no MONGODB_URI) a key generated once into DATA_DIR/webhook-secret-key (mode 0600), beside
 * the data it protects, and read back on every later start; plain text only where the
 * configuration allowed it (a remote database under NODE_ENV=development or test).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, type KeyObject } from 'node:crypto';
import { parseSecretKey, type Config } from './config.js';
import { ConfigError } from './parse.js';

export const LOCAL_SECRET_KEY_FILE = 'webhook-secret-key';

/** The configuration with the key it will use, and one line for the start banner saying which. */
export function withWebhookSecretKey(config: Readonly<Config>): { config: Readonly<Config>; banner: string } {
  if (config.webhooks.secretKey !== undefined) return { config, banner: 'Webhook secrets: encrypted at rest (WEBHOOK_SECRET_KEY)' };
  if (config.mongodbUri !== undefined) {
    return { config, banner: `Webhook secrets: stored in plain text (NODE_ENV=${config.nodeEnv} and no WEBHOOK_SECRET_KEY)` };
  }
  const { key, file, created } = localSecretKey(config.dataDir);
  const banner = created
    ? `Webhook secrets: encrypted at rest with a key generated now into ${file} (keep it with the data; set WEBHOOK_SECRET_KEY to use your own)`
    : `Webhook secrets: encrypted at rest with the key in ${file}`;
  return { config: Object.freeze({ ...config, webhooks: Object.freeze({ ...config.webhooks, secretKey: key }) }), banner };
}

/** The key in DATA_DIR, made on first use. Two processes starting at once agree: the second reads the first one's. */
export function localSecretKey(dataDir: string): { key: KeyObject; file: string; created: boolean } {
  const file = join(dataDir, LOCAL_SECRET_KEY_FILE);
  const fresh = randomBytes(32);
  let created = true;
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, fresh.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError('DATA_DIR', dataDir, `a directory this process can keep ${LOCAL_SECRET_KEY_FILE} in (${(err as Error).message})`);
    created = false;
  } finally {
    fresh.fill(0);
  }
  return { key: parseSecretKey(readFileSync(file, 'utf8'), file), file, created };
}
