/**
 * A worker process's probes on METRICS_PORT: /healthz while alive; /readyz 503 while its
 * database is down and 200 when it is back; 503 too when its job loop has stopped polling.
 * Needs `npm run build` (npm test does it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOrStartMongo, freePort, type LocalMongo } from '../../src/db/local-server.js';
import { startWorkerHttp } from '../../src/server/worker-http.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { embeddedTestServer } from '../support/db.js';
import { pollUntil } from '../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';

// Its own server, so that stopping it does not disturb the other test files.
const dir = mkdtempSync(join(tmpdir(), 'aijobs-worker-ready-'));
let dbPort: number;
let mongo: LocalMongo | undefined;
let worker: ServiceProcess | undefined;
let base: string;
const start = () => findOrStartMongo({ dataDir: dir, port: dbPort, log: () => {} });

beforeAll(async () => {
  if (!embeddedTestServer()) return; // the process test below is skipped: nothing to set up
  dbPort = await freePort();
  mongo = await start();
  const metricsPort = await freePort();
  worker = await startServiceProcess({ ROLE: 'worker', MONGODB_URI: `${mongo.uri.replace(/\/$/, '')}/workerready`, METRICS_PORT: String(metricsPort) });
  base = `http://127.0.0.1:${metricsPort}`;
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await mongo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const status = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).status;

// An external MONGODB_URI cannot be stopped by a test.
(embeddedTestServer() ? test : test.skip)('a worker\'s /readyz turns 503 when its database stops and 200 when it returns; /healthz stays 200', async () => {
  expect(await status(`${base}/healthz`)).toBe(200);
  await pollUntil(() => status(`${base}/readyz`), (s) => s === 200, 20_000);
  expect(await status(`${base}/metrics`)).toBe(200);
  await mongo!.stop();
  await pollUntil(() => status(`${base}/readyz`), (s) => s === 503, 20_000);
  expect(await status(`${base}/healthz`)).toBe(200);
  mongo = await start();
  await pollUntil(() => status(`${base}/readyz`), (s) => s === 200, 60_000, 250);
  expect(worker!.child.exitCode).toBeNull();
}, 120_000);

describe('the job loop part of readiness', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ role: 'api' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  test.each([
    ['polled just now', () => new Date(), false, 200, 'polling'],
    ['not polled for a minute', () => new Date(Date.now() - 60_000), false, 503, 'stale'],
    ['not polled for a minute but running all it may', () => new Date(Date.now() - 60_000), true, 200, 'polling'],
  ])('%s', async (_name, lastPollAt, atCapacity, code, jobLoop) => {
    const http = await startWorkerHttp(app.services, { lastPollAt, atCapacity: () => atCapacity }, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}/readyz`);
      expect(res.status).toBe(code);
      expect(await res.json()).toEqual({ status: code === 200 ? 'ready' : 'unavailable', database: 'up', jobLoop });
    } finally {
      await http.close();
    }
  });
});
