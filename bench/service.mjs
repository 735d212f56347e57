/**
 * Starts what the benchmark measures, in this process: a database (MONGODB_URI, else a
 * local mongod/FerretDB in a temporary directory), the API and the worker, and a tenant
 * with an API key. Everything started is registered on `cleanup` and stopped in reverse
 * order by `cleanup.run()`, which never throws and can be called more than once.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../dist/auth/api-keys.js';
import { loadConfig } from '../dist/config/index.js';
import { connectMongo, supportsChangeStreams } from '../dist/db/client.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { createLogger } from '../dist/log/logger.js';
import { startApiServer } from '../dist/server/api-server.js';
import { createServices } from '../dist/server/services.js';
import { startWorkerRole } from '../dist/server/worker-role.js';

/**
 * The fast polling of test/support/app.ts's TEST_ENV, 8 jobs at once per worker, and
 * production defaults for everything else (JOB_LEASE 30s among them: the tests' 5 s
 * lease is not renewed in time on FerretDB under this load, and jobs then run twice).
 */
export const BENCH_ENV = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  AI_PROVIDER: 'offline',
  JOB_POLL_INTERVAL: process.env.JOB_POLL_INTERVAL ?? '100ms',
  EVENT_POLL_INTERVAL: process.env.EVENT_POLL_INTERVAL ?? '50ms',
  WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '8',
  SHUTDOWN_TIMEOUT: '10s',
};

export function createCleanup(log) {
  const steps = [];
  let running;
  return {
    add(name, fn) {
      steps.push({ name, fn });
    },
    run() {
      running ??= (async () => {
        for (const { name, fn } of steps.reverse()) {
          const t0 = Date.now();
          try {
            // A step that hangs must not keep the benchmark alive: give each 20 s.
            await Promise.race([fn(), new Promise((_, no) => setTimeout(() => no(new Error('timed out')), 20_000).unref())]);
          } catch (err) {
            log(`stopping ${name} failed after ${Date.now() - t0} ms: ${err?.message ?? err}`);
          }
        }
      })();
      return running;
    },
  };
}

/** Starts the database and the service; returns { url, key, database, eventSource, config }. */
export async function startBenchService(cleanup, log) {
  // BENCH_DATA_DIR puts the local server's files elsewhere (e.g. /dev/shm, to leave fsync out).
  const dataDir = await mkdtemp(join(process.env.BENCH_DATA_DIR || tmpdir(), 'ai-jobs-bench-'));
  cleanup.add('temporary directory', () => rm(dataDir, { recursive: true, force: true }));

  const mongo = await findOrStartMongo({ uri: process.env.MONGODB_URI || undefined, dataDir, log });
  cleanup.add(`database (${mongo.kind})`, () => mongo.stop());

  // A database of its own, so that an external server's other data is never touched.
  const dbName = `bench_${randomBytes(5).toString('hex')}`;
  const uri = new URL(mongo.uri);
  uri.pathname = `/${dbName}`;
  const connection = await connectMongo(uri.toString(), dbName);
  cleanup.add('database connection', async () => {
    await connection.db.dropDatabase().catch(() => {});
    await connection.close();
  });

  const config = loadConfig({ ...BENCH_ENV, ROLE: 'all', MONGODB_URI: uri.toString() });
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger, connection.db);
  const api = await startApiServer(services);
  cleanup.add('API server', () => api.close());
  const parts = await startWorkerRole(services);
  cleanup.add('worker', () => Promise.all(parts.map((p) => p.stop())));
  const { key } = await createApiKey(services.tenants, 'bench');
  // What the event feed picks on its default setting ('auto').
  const eventSource = (await supportsChangeStreams(connection.db)) ? 'change-stream' : 'polling';
  return { url: api.url, key, database: mongo.kind, eventSource, config };
}
