/**
 * A database outage is never a step failure: a database server started for this test is
 * frozen (SIGSTOP) for 15 s while two workers run three-step jobs whose AI calls take a
 * second, then thawed (SIGCONT). Every job finishes, and the fake provider is asked each
 * step's prompt exactly once: no answer is bought twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo } from '../../../src/db/client.js';
import { findOrStartMongo, type LocalMongo } from '../../../src/db/local-server.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import type { TestDb } from '../../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { pollUntil } from '../../support/graphql-client.js';
import { submitChain, tag, userOf, waitForStatus } from '../jobs-harness.js';

// An external server (MONGODB_URI) is not ours to freeze.
const canFreeze = !process.env.MONGODB_URI;
const FREEZE_MS = 15_000;

let mongo: LocalMongo | undefined;
let dataDir: string | undefined;
let testDb: TestDb | undefined;
let fake: FakeOpenAi | undefined;
const apps: TestApp[] = [];

afterAll(async () => {
  if (mongo?.pid) {
    try {
      process.kill(mongo.pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  await Promise.allSettled(apps.map((a) => a.stop()));
  await testDb?.close().catch(() => {});
  await mongo?.stop();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

(canFreeze ? test : test.skip)(
  'jobs running while the database is frozen finish, and no AI answer is bought twice',
  async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aijobs-outage-'));
    mongo = await findOrStartMongo({ dataDir, log: () => {} });
    expect(mongo.pid).toBeDefined();
    const uri = new URL(mongo.uri);
    uri.pathname = '/outage';
    const connection = await connectMongo(uri.toString(), 'outage');
    testDb = { db: connection.db, uri: uri.toString(), name: 'outage', connection, close: () => connection.close() };
    fake = await startFakeOpenAi();
    // Every answer takes a second, so calls are in flight when the database stops.
    fake.onRequest(() => ({ delayMs: 1_000 }));
    const env = { AI_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test', JOB_LEASE: '30s', WORKER_CONCURRENCY: '4' };
    apps.push(await startTestApp({ db: testDb, role: 'api', env }));
    apps.push(await startTestApp({ db: testDb, role: 'worker', env }));
    apps.push(await startTestApp({ db: testDb, role: 'worker', env }));
    const api = apps[0]!;

    const marker = tag('outage');
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(
        await submitChain(api, [
          { name: 'one', prompt: `${marker} job ${i} step one` },
          { name: 'two', prompt: `${marker} job ${i} step two` },
          { name: 'three', prompt: `${marker} job ${i} step three` },
        ]),
      );
    }
    const asked = () => fake!.requestsMatching((r) => userOf(r).startsWith(marker));
    await pollUntil(async () => asked().length, (n) => n >= 6, 30_000);

    process.kill(mongo.pid!, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, FREEZE_MS));
    process.kill(mongo.pid!, 'SIGCONT');

    for (const id of ids) expect((await waitForStatus(api, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000)).status).toBe('SUCCEEDED');
    const prompts = asked().map((r) => userOf(r));
    expect(prompts).toHaveLength(ids.length * 3);
    expect(new Set(prompts).size).toBe(ids.length * 3);
  },
  240_000,
);
