/**
 * Cancel latency: 50 jobs held RUNNING by an AI provider that never answers, each then
 * cancelled with `cancelJob`; measured from the moment the mutation is sent to the
 * `at` of the job's CANCELLED event (same process, same clock), and the mutation's own
 * round trip. Run after `npm run build`: `node bench/cancel.mjs` (JOBS=50 by default).
 * Database: MONGODB_URI, else a local mongod or FerretDB in a temporary directory.
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../dist/auth/api-keys.js';
import { loadConfig } from '../dist/config/index.js';
import { connectMongo } from '../dist/db/client.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { createLogger } from '../dist/log/logger.js';
import { startApiServer } from '../dist/server/api-server.js';
import { createServices } from '../dist/server/services.js';
import { startWorkerRole } from '../dist/server/worker-role.js';
import { gql, latencyStats, pool, waitFor } from './lib.mjs';
import { createCleanup } from './service.mjs';

const JOBS = Number(process.env.JOBS ?? 50);
const log = (msg) => process.stderr.write(`[cancel] ${msg}\n`);

/** An OpenAI-compatible endpoint that takes every request and never answers. */
async function startSilentProvider(cleanup) {
  const held = new Set();
  let received = 0;
  const server = createServer((req, res) => {
    received += 1;
    held.add(res);
    req.resume();
    res.on('close', () => held.delete(res));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  cleanup.add('silent provider', () => {
    for (const res of held) res.destroy();
    return new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${server.address().port}/v1`, received: () => received };
}

async function main() {
  const cleanup = createCleanup(log);
  try {
    const provider = await startSilentProvider(cleanup);
    const dataDir = await mkdtemp(join(process.env.BENCH_DATA_DIR || tmpdir(), 'ai-jobs-cancel-'));
    cleanup.add('temporary directory', () => rm(dataDir, { recursive: true, force: true }));
    const mongo = await findOrStartMongo({ uri: process.env.MONGODB_URI || undefined, dataDir, log });
    cleanup.add(`database (${mongo.kind})`, () => mongo.stop());
    const dbName = `bench_cancel_${randomBytes(4).toString('hex')}`;
    const uri = new URL(mongo.uri);
    uri.pathname = `/${dbName}`;
    const connection = await connectMongo(uri.toString(), dbName);
    cleanup.add('database connection', async () => {
      await connection.db.dropDatabase().catch(() => {});
      await connection.close();
    });
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ROLE: 'all',
      MONGODB_URI: uri.toString(),
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: provider.url,
      OPENAI_API_KEY: 'bench',
      AI_TIMEOUT_MS: '600000',
      JOB_TIMEOUT_MS: '1800000',
      JOB_POLL_INTERVAL: '100ms',
      EVENT_POLL_INTERVAL: '50ms',
      WORKER_CONCURRENCY: String(JOBS),
      SHUTDOWN_TIMEOUT: '5s',
    });
    const services = await createServices(config, createLogger(config.logLevel), connection.db);
    const api = await startApiServer(services);
    cleanup.add('API server', () => api.close());
    const parts = await startWorkerRole(services);
    cleanup.add('worker', () => Promise.all(parts.map((p) => p.stop())));
    const { key } = await createApiKey(services.tenants, 'bench-cancel');

    const submit = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`;
    const ids = await pool(JOBS, 8, async (i) => {
      const input = { kind: 'chain', input: { steps: [{ name: 'hang', prompt: `Wait forever ${i}.` }] } };
      return (await gql(api.url, key, submit, { input })).submitJob.id;
    });
    log(`${JOBS} jobs submitted; waiting until every one is RUNNING with its AI request sent`);
    await waitFor('every job RUNNING', async () => provider.received() >= JOBS, { everyMs: 200, timeoutMs: 120_000 });

    const sentAt = new Map();
    const roundTrips = [];
    const cancel = `mutation($id: ID!) { cancelJob(id: $id) { id status } }`;
    await pool(JOBS, 4, async (i) => {
      const t0 = Date.now();
      sentAt.set(ids[i], t0);
      await gql(api.url, key, cancel, { id: ids[i] });
      roundTrips.push(Date.now() - t0);
    });
    const events = services.jobStores.events;
    const latencies = [];
    await waitFor(
      'every CANCELLED event',
      async () => {
        latencies.length = 0;
        for (const id of ids) {
          const last = await events.lastSequence(id);
          const e = await events.collection.findOne({ _id: `${id}:${last}` });
          if (e?.type !== 'CANCELLED') return false;
          latencies.push(e.at.getTime() - sentAt.get(id));
        }
        return true;
      },
      { everyMs: 250, timeoutMs: 120_000 },
    );
    const result = {
      jobs: JOBS,
      database: mongo.kind,
      requestToCancelledEvent: latencyStats(latencies),
      cancelJobRoundTrip: latencyStats(roundTrips),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cleanup.run();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(err?.stack ?? String(err));
    process.exit(1);
  },
);
