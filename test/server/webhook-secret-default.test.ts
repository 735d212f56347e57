/**
 * Webhook endpoint secrets are never stored in plain text by default: a remote database
 * without WEBHOOK_SECRET_KEY refuses to start (but under NODE_ENV=development or test), and
 * `npm start` on a fresh machine (no MONGODB_URI) generates a key into DATA_DIR once (0600),
 * says so, seals secrets with it and reads it back on the next start.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig, withWebhookSecretKey } from '../../src/config/index.js';
import { databaseNameOf } from '../../src/db/client.js';
import { embeddedTestServer } from '../support/db.js';
import { gqlData } from '../support/graphql-client.js';
import { startServiceProcess } from '../support/service-process.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const REMOTE = 'mongodb://db.example:27017/aijobs';
const KEY = Buffer.alloc(32, 7).toString('base64');
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aijobs-secret-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the configuration', () => {
  test('a remote database without WEBHOOK_SECRET_KEY is refused, whatever NODE_ENV says, unless development or test', () => {
    for (const env of [{ MONGODB_URI: REMOTE }, { MONGODB_URI: REMOTE, NODE_ENV: 'production' }, { MONGODB_URI: REMOTE, NODE_ENV: 'staging' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/WEBHOOK_SECRET_KEY="" is invalid: expected to be set when MONGODB_URI is set/);
    }
    expect(loadConfig({ MONGODB_URI: REMOTE, WEBHOOK_SECRET_KEY: KEY }).webhooks.secretKey).toBeDefined();
    for (const nodeEnv of ['development', 'test']) {
      const { config, banner } = withWebhookSecretKey(loadConfig({ MONGODB_URI: REMOTE, NODE_ENV: nodeEnv }));
      expect(config.webhooks.secretKey).toBeUndefined();
      expect(banner).toBe(`Webhook secrets: stored in plain text (NODE_ENV=${nodeEnv} and no WEBHOOK_SECRET_KEY)`);
    }
  });

  test('with the local database the key is generated once into DATA_DIR (0600) and read back; a key that is set wins', () => {
    const dataDir = join(tempDir(), 'data');
    // Production is the default NODE_ENV: the local database needs nothing set.
    const first = withWebhookSecretKey(loadConfig({ DATA_DIR: dataDir }));
    const file = join(dataDir, 'webhook-secret-key');
    expect(first.banner).toBe(`Webhook secrets: encrypted at rest with a key generated now into ${file} (keep it with the data; set WEBHOOK_SECRET_KEY to use your own)`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = withWebhookSecretKey(loadConfig({ DATA_DIR: dataDir }));
    expect(second.banner).toBe(`Webhook secrets: encrypted at rest with the key in ${file}`);
    expect(second.config.webhooks.secretKey!.export().equals(first.config.webhooks.secretKey!.export())).toBe(true);
    expect(Object.isFrozen(second.config.webhooks)).toBe(true);

    const given = withWebhookSecretKey(loadConfig({ DATA_DIR: dataDir, WEBHOOK_SECRET_KEY: KEY }));
    expect(given.banner).toBe('Webhook secrets: encrypted at rest (WEBHOOK_SECRET_KEY)');
    expect(given.config.webhooks.secretKey!.export().equals(Buffer.from(KEY, 'base64'))).toBe(true);
  });

  test('a damaged key file stops the start, naming the file without echoing it', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'webhook-secret-key'), 'not-a-key-at-all\n', { mode: 0o600 });
    expect(() => withWebhookSecretKey(loadConfig({ DATA_DIR: dataDir }))).toThrow(/webhook-secret-key="<redacted, 17 characters>" is invalid: expected base64 of 32 random bytes/);
  });
});

test('npm start with a remote database and no key prints one configuration line and exits 1', () => {
  const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', MONGODB_URI: REMOTE, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status).toBe(1);
  expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^configuration error: WEBHOOK_SECRET_KEY="" is invalid: expected to be set when MONGODB_URI is set/)]);
});

// Only meaningful with the embedded server: `npm start` then starts its own.
(embeddedTestServer() ? test : test.skip)('npm start on a fresh machine seals a new endpoint secret with its generated key, and signs with it after a restart', async () => {
  const dataDir = tempDir();
  const env = { DATA_DIR: dataDir, MONGODB_URI: '' };
  const receiver = await startWebhookReceiver();
  let first = await startServiceProcess(env, 120_000);
  try {
    const file = join(dataDir, 'webhook-secret-key');
    expect(first.stdout()).toContain(`Webhook secrets: encrypted at rest with a key generated now into ${file}`);
    const key = /Development API key \(tenant "development"\): (\S+)/.exec(first.stdout())![1]!;
    const mongoUri = /MongoDB \(\w+, data in [^)]*\): (\S+)/.exec(first.stdout())![1]!;
    const { createWebhookEndpoint: created } = await gqlData(first.url, key, 'mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret endpoint { id } } }', {
      url: `${receiver.url}/hooks`,
    });
    const client = await MongoClient.connect(mongoUri);
    try {
      const stored = await client.db(databaseNameOf(mongoUri)).collection('webhook_endpoints').findOne({ _id: created.endpoint.id });
      expect(stored!.secret).toMatch(/^enc:v1:/);
      expect(JSON.stringify(stored)).not.toContain(created.secret.slice('whsec_'.length));
    } finally {
      await client.close();
    }
    expect((await first.stop()).code).toBe(0);

    first = await startServiceProcess(env, 120_000);
    expect(first.stdout()).toContain(`Webhook secrets: encrypted at rest with the key in ${file}`);
    const { sendTestWebhook } = await gqlData(first.url, key, 'mutation($id: ID!) { sendTestWebhook(endpointId: $id) { payload } }', { id: created.endpoint.id });
    const [delivered] = await receiver.waitFor(1, 30_000);
    expect(new Webhook(created.secret).verify(delivered!.body, delivered!.headers as Record<string, string>)).toEqual(sendTestWebhook.payload);
  } finally {
    await first.stop();
    await receiver.close();
  }
}, 300_000);
