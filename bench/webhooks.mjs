/**
 * Webhook delivery throughput from one dispatcher: `sendTestWebhook`-style deliveries
 * recorded 16 at a time while the dispatcher runs, to a local receiver that answers 200
 * at once — alone, and beside an endpoint that never answers (its backlog recorded first).
 * Run alone with `npm run build && node bench/webhooks.mjs`, or call benchWebhooks(opts).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config/index.js';
import { connectMongo } from '../dist/db/client.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { createLogger } from '../dist/log/logger.js';
import { createWebhooks } from '../dist/webhooks/index.js';
import { latencyStats, pool } from './lib.mjs';

/** A receiver on 127.0.0.1: answers 200 at once, or (hang) never; records when each arrived. */
async function startReceiver({ hang = false } = {}) {
  const arrivals = new Map();
  const sockets = new Set();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      if (!hang) res.end('ok');
    });
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    arrivals,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitUntil(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One run: `count` test deliveries recorded `inFlight` at a time to a healthy endpoint,
 * optionally after `deadBacklog` deliveries to an endpoint that never answers.
 */
async function runOnce(db, env, { name, count, inFlight, deadBacklog, timeoutMs }) {
  const config = loadConfig({ LOG_LEVEL: 'silent', AI_PROVIDER: 'offline', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...env });
  const webhooks = await createWebhooks({ db, config, logger: createLogger('silent') });
  const tenantId = `bench-${randomUUID()}`;
  const healthy = await startReceiver();
  const dead = await startReceiver({ hang: true });
  const dispatcher = webhooks.createDispatcher({ stopTimeoutMs: 1_000 });
  try {
    const good = await webhooks.endpoints.create(tenantId, { url: healthy.url });
    if (deadBacklog > 0) {
      const bad = await webhooks.endpoints.create(tenantId, { url: dead.url });
      await pool(deadBacklog, inFlight, () => webhooks.outbox.sendTest(bad.endpoint));
    }
    dispatcher.start();
    if (deadBacklog > 0) await waitUntil(async () => dead.arrivals.size >= config.webhooks.perEndpointConcurrency, 30_000, 'the dead endpoint to hold its slots');
    const recordedAt = new Map();
    const t0 = performance.now();
    await pool(count, inFlight, async () => {
      const before = performance.now();
      const delivery = await webhooks.outbox.sendTest(good.endpoint);
      recordedAt.set(delivery.messageId, before);
    });
    // Bounded: what has not arrived by then counts as unfinished (rate over what arrived).
    const complete = await waitUntil(async () => healthy.arrivals.size >= count, timeoutMs, `${count} deliveries`).then(
      () => true,
      () => false,
    );
    const arrived = healthy.arrivals.size;
    const elapsed = ((complete ? Math.max(...healthy.arrivals.values()) : performance.now()) - t0) / 1000;
    const latencies = [...recordedAt].filter(([id]) => healthy.arrivals.has(id)).map(([id, at]) => healthy.arrivals.get(id) - at);
    const stats = latencyStats(latencies, count - latencies.length);
    return {
      name,
      rate: Math.round((arrived / elapsed) * 10) / 10,
      ...(complete ? {} : { unfinished: count - arrived }),
      p50: stats.p50Ms,
      p95: stats.p95Ms,
      conditions:
        `${count} test deliveries recorded ${inFlight} at a time while one dispatcher runs ` +
        `(WEBHOOK_CONCURRENCY=${config.webhooks.concurrency}, WEBHOOK_ENDPOINT_CONCURRENCY=${config.webhooks.perEndpointConcurrency}, ` +
        `WEBHOOK_POLL_INTERVAL=${config.webhooks.pollMs}ms), receiver on 127.0.0.1 answering 200 at once` +
        (deadBacklog > 0 ? `; beside ${deadBacklog} deliveries to an endpoint that never answers (WEBHOOK_TIMEOUT_MS=${config.webhooks.timeoutMs})` : '') +
        '; rate = deliveries / (last arrival − first record), latency = record → arrival in ms',
    };
  } finally {
    await dispatcher.stop();
    await healthy.close();
    await dead.close();
  }
}

/**
 * Rows {name, rate, p50, p95, conditions}. opts: { db } to use a database you opened
 * (else one is started in a temporary directory), count, inFlight, deadBacklog, env.
 */
export async function benchWebhooks(opts = {}) {
  const count = opts.count ?? 1000;
  const inFlight = opts.inFlight ?? 16;
  const deadBacklog = opts.deadBacklog ?? 100;
  const env = opts.env ?? {};
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const log = opts.log ?? (() => {});
  const cleanup = [];
  try {
    let db = opts.db;
    if (!db) {
      const dataDir = await mkdtemp(join(process.env.BENCH_DATA_DIR || tmpdir(), 'ai-jobs-bench-webhooks-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const mongo = await findOrStartMongo({ uri: process.env.MONGODB_URI || undefined, dataDir, log });
      cleanup.push(() => mongo.stop());
      const dbName = `bench_webhooks_${randomBytes(4).toString('hex')}`;
      const uri = new URL(mongo.uri);
      uri.pathname = `/${dbName}`;
      const connection = await connectMongo(uri.toString(), dbName);
      cleanup.push(async () => {
        await connection.db.dropDatabase().catch(() => {});
        await connection.close();
      });
      db = connection.db;
    }
    // A fresh database per run, so that the second does not pay for the first's history.
    const fresh = (suffix) => {
      const other = db.client.db(`${db.databaseName}_${suffix}`);
      cleanup.push(() => other.dropDatabase().catch(() => {}));
      return other;
    };
    const rows = [];
    log('webhooks: healthy endpoint alone');
    rows.push(await runOnce(fresh('alone'), env, { name: 'webhook deliveries/s, one receiver', count, inFlight, deadBacklog: 0, timeoutMs }));
    log('webhooks: beside an endpoint that never answers');
    rows.push(await runOnce(fresh('dead'), env, { name: 'webhook deliveries/s, beside a dead endpoint', count, inFlight, deadBacklog, timeoutMs }));
    return rows;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  }
}

/**
 * The rows for `bench/run.mjs`: both runs on databases beside the bench's own, in its
 * result shape; the healthy rate with a dead endpoint beside it is compared in the notes.
 */
export async function measureWebhooks({ db, log }) {
  const count = Number(process.env.BENCH_WEBHOOKS ?? 300);
  const rows = await benchWebhooks({ db, log, count });
  const alone = rows[0]?.rate;
  return rows.map((r, i) => ({
    name: r.name,
    count: count - (r.unfinished ?? 0),
    seconds: r.rate > 0 ? Math.round(((count - (r.unfinished ?? 0)) / r.rate) * 100) / 100 : null,
    rate: r.rate,
    unit: 'deliveries/s',
    latency: { p50Ms: r.p50 ?? null, p95Ms: r.p95 ?? null, p99Ms: null, meanMs: null, maxMs: null },
    complete: r.unfinished === undefined,
    notes:
      r.conditions +
      (i === 1 && alone ? `; the dead endpoint took ${Math.round((1 - r.rate / alone) * 1000) / 10} % off the rate alone` : ''),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (line) => process.stderr.write(`[bench] ${line}\n`);
  const count = Number(process.env.BENCH_WEBHOOKS ?? 1000);
  benchWebhooks({ count, log })
    .then((rows) => {
      const [alone, beside] = rows;
      console.log(JSON.stringify({ machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, rows }, null, 2));
      if (alone && beside) console.log(`dead endpoint costs ${Math.round((1 - beside.rate / alone.rate) * 1000) / 10} % of the healthy rate`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
