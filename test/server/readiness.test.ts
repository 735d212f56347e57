/** /healthz says alive; /readyz follows the database: 503 while it is down, 200 when back. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOrStartMongo, freePort, type LocalMongo } from '../../src/db/local-server.js';
import { pollUntil } from '../support/graphql-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { connectMongo } from '../../src/db/client.js';
import { embeddedTestServer } from '../support/db.js';

// Its own server, so that stopping it does not disturb the other test files.
const dir = mkdtempSync(join(tmpdir(), 'aijobs-ready-'));
let port: number;
let mongo: LocalMongo | undefined;
let app: TestApp | undefined;
const start = () => findOrStartMongo({ dataDir: dir, port, log: () => {} });

beforeAll(async () => {
  if (!embeddedTestServer()) return; // the test below is skipped: nothing to set up
  port = await freePort();
  mongo = await start();
  const uri = `${mongo.uri.replace(/\/$/, '')}/ready`;
  const conn = await connectMongo(uri);
  app = await startTestApp({ role: 'api', db: { db: conn.db, uri, name: 'ready', connection: conn, close: () => conn.close() } });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await app?.db.close();
  await mongo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const status = async (path: string) => (await fetch(app!.url.replace('/graphql', path), { signal: AbortSignal.timeout(10_000) })).status;

// An external MONGODB_URI cannot be stopped by a test.
(embeddedTestServer() ? test : test.skip)('readiness turns 503 when the database stops and 200 when it returns; liveness stays 200', async () => {
  expect(await status('/healthz')).toBe(200);
  expect(await status('/readyz')).toBe(200);
  await mongo!.stop();
  await pollUntil(() => status('/readyz'), (s) => s === 503, 20_000);
  expect(await status('/healthz')).toBe(200);
  mongo = await start();
  await pollUntil(() => status('/readyz'), (s) => s === 200, 40_000, 250);
}, 90_000);
