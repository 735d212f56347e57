/**
 * Webhook delivery throughput from one dispatcher: `sendTestWebhook`-style deliveries
 * recorded 16 at a time while the dispatcher runs, to a local receiver that answers 200
 * at once — recorded in the dispatcher's own process (as a worker records the deliveries of
 * the jobs it finishes), beside an endpoint that never answers (its backlog recorded first),
 * and recorded by another process (as the API records a test or a redelivery: the
 * dispatcher finds them by polling). Every statement the database receives during a run is
 * counted (command monitoring on both clients) and reported per delivery.
 *
 * Run alone with `npm run build && node bench/webhooks.mjs` (WEBHOOK_* variables apply), or call
 * benchWebhooks(opts).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../dist/config/index.js';
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

/** CPU time (user + system, ms) a process has used so far, from /proc; null where that cannot be read. */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return null;
  }
}

/** A client like the service's, that counts the statements it sends while `counting` is on. */
async function countingClient(uri) {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, connectTimeoutMS: 5_000, maxPoolSize: 50, monitorCommands: true });
  await client.connect();
  const counter = { counting: false, statements: 0 };
  client.on('commandStarted', () => {
    if (counter.counting) counter.statements += 1;
  });
  return { client, counter };
}

/**
 * One run: `count` test deliveries recorded `inFlight` at a time to a healthy endpoint,
 * optionally after `deadBacklog` deliveries to an endpoint that never answers; recorded
 * through the dispatcher's own webhooks domain, or (elsewhere) through another one on
 * another connection, which cannot hand them over.
 */
async function runOnce(uri, dbName, env, { name, count, inFlight, deadBacklog, elsewhere, timeoutMs, dbPid }) {
  const config = loadConfig({ LOG_LEVEL: 'silent', AI_PROVIDER: 'offline', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...env });
  const logger = createLogger('silent');
  const dispatching = await countingClient(uri);
  const recording = elsewhere ? await countingClient(uri) : dispatching;
  const webhooks = await createWebhooks({ db: dispatching.client.db(dbName), config, logger });
  const recorder = elsewhere ? await createWebhooks({ db: recording.client.db(dbName), config, logger }) : webhooks;
  const tenantId = `bench-${randomUUID()}`;
  const healthy = await startReceiver();
  const dead = await startReceiver({ hang: true });
  const dispatcher = webhooks.createDispatcher({ stopTimeoutMs: 1_000 });
  const counters = [...new Set([dispatching.counter, recording.counter])];
  try {
    const good = await recorder.endpoints.create(tenantId, { url: healthy.url });
    if (deadBacklog > 0) {
      const bad = await recorder.endpoints.create(tenantId, { url: dead.url });
      await pool(deadBacklog, inFlight, () => recorder.outbox.sendTest(bad.endpoint));
    }
    dispatcher.start();
    if (deadBacklog > 0) await waitUntil(async () => dead.arrivals.size >= config.webhooks.perEndpointConcurrency, 30_000, 'the dead endpoint to hold its slots');
    // The embedded server's wrapper indexes new tables by `_id` once a second (tools/ferretdb);
    // until then a write by `_id` reads its whole table. Every run starts after that pass, so
    // that no run pays for its tables being new (the first one otherwise did).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const recordedAt = new Map();
    for (const c of counters) c.counting = true;
    const cpu0 = { node: process.cpuUsage(), db: dbPid ? processCpuMs(dbPid) : null };
    const t0 = performance.now();
    await pool(count, inFlight, async () => {
      const before = performance.now();
      const delivery = await recorder.outbox.sendTest(good.endpoint);
      recordedAt.set(delivery.messageId, before);
    });
    // Bounded: what has not arrived by then counts as unfinished (rate over what arrived).
    const complete = await waitUntil(async () => healthy.arrivals.size >= count, timeoutMs, `${count} deliveries`).then(
      () => true,
      () => false,
    );
    const arrived = healthy.arrivals.size;
    const elapsed = ((complete ? Math.max(...healthy.arrivals.values()) : performance.now()) - t0) / 1000;
    // The last outcomes are written just after the last arrival: wait for the queue to empty
    // (asked on a connection of its own, so that the asking is not counted).
    const probe = await MongoClient.connect(uri);
    const queued = probe.db(dbName).collection('webhook_queue');
    await waitUntil(async () => (await queued.countDocuments({ endpointId: good.endpoint._id })) === 0, 30_000, 'the last outcomes').catch(() => {});
    await probe.close();
    for (const c of counters) c.counting = false;
    const statements = counters.reduce((sum, c) => sum + c.statements, 0);
    const nodeCpu = process.cpuUsage(cpu0.node);
    const dbCpu = cpu0.db !== null ? processCpuMs(dbPid) - cpu0.db : null;
    const perDelivery = (ms) => (ms === null || arrived === 0 ? null : Math.round((ms / arrived) * 100) / 100);
    // CPU each side spent per delivery: unlike the rate, it hardly depends on what else the
    // machine runs. With the database and this process on a core each, the rate can go up to
    // 1000 / the larger of the two.
    const cpuMs = { node: perDelivery((nodeCpu.user + nodeCpu.system) / 1000), database: perDelivery(dbCpu) };
    const ceiling = cpuMs.database ? Math.round(1000 / Math.max(cpuMs.node, cpuMs.database)) : null;
    const latencies = [...recordedAt].filter(([id]) => healthy.arrivals.has(id)).map(([id, at]) => healthy.arrivals.get(id) - at);
    const stats = latencyStats(latencies, count - latencies.length);
    return {
      name,
      rate: Math.round((arrived / elapsed) * 10) / 10,
      ...(complete ? {} : { unfinished: count - arrived }),
      p50: stats.p50Ms,
      p95: stats.p95Ms,
      statementsPerDelivery: arrived > 0 ? Math.round((statements / arrived) * 100) / 100 : null,
      cpuMsPerDelivery: cpuMs,
      ceiling,
      conditions:
        `${count} test deliveries recorded ${inFlight} at a time ${elsewhere ? 'by another connection and webhooks domain (as by an API process: the dispatcher finds them by polling)' : 'in the dispatcher\'s process'} while one dispatcher runs ` +
        `(WEBHOOK_CONCURRENCY=${config.webhooks.concurrency}, WEBHOOK_ENDPOINT_CONCURRENCY=${config.webhooks.perEndpointConcurrency}, ` +
        `WEBHOOK_POLL_INTERVAL=${config.webhooks.pollMs}ms), receiver on 127.0.0.1 answering 200 at once` +
        (deadBacklog > 0 ? `; beside ${deadBacklog} deliveries of the same tenant to an endpoint that never answers (WEBHOOK_TIMEOUT_MS=${config.webhooks.timeoutMs})` : '') +
        `; ${Math.round((statements / Math.max(1, arrived)) * 100) / 100} database statements per delivery, recording included` +
        (ceiling ? `; CPU per delivery: ${cpuMs.node} ms in this process (recording, dispatcher, receiver), ${cpuMs.database} ms in the database: at most ~${ceiling}/s with a core each` : '') +
        '; rate = deliveries / (last arrival − first record), latency = record → arrival in ms',
    };
  } finally {
    await dispatcher.stop();
    await healthy.close();
    await dead.close();
    await dispatching.client.db(dbName).dropDatabase().catch(() => {});
    await dispatching.client.close();
    if (elsewhere) await recording.client.close();
  }
}

/**
 * Rows {name, rate, p50, p95, statementsPerDelivery, conditions}. opts: { uri } of a server
 * to use (else one is started in a temporary directory), count, inFlight, deadBacklog, env.
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
    let uri = opts.uri;
    let dbPid;
    if (!uri) {
      const dataDir = await mkdtemp(join(process.env.BENCH_DATA_DIR || tmpdir(), 'ai-jobs-bench-webhooks-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const mongo = await findOrStartMongo({ uri: process.env.MONGODB_URI || undefined, dataDir, log });
      cleanup.push(() => mongo.stop());
      uri = mongo.uri;
      dbPid = mongo.pid;
    }
    // A fresh database per run, so that one run does not pay for another's history.
    const fresh = (suffix) => `bench_webhooks_${randomBytes(4).toString('hex')}_${suffix}`;
    const runs = [
      { name: 'webhook deliveries/s, one receiver', deadBacklog: 0, elsewhere: false, db: 'alone' },
      { name: 'webhook deliveries/s, beside a dead endpoint', deadBacklog, elsewhere: false, db: 'dead' },
      { name: 'webhook deliveries/s, recorded by another process', deadBacklog: 0, elsewhere: true, db: 'elsewhere' },
    ];
    // A whole run first, thrown away: the first run in a fresh process and server otherwise
    // pays for warming up (JIT, heap, connections), which made the healthy endpoint alone
    // look slower than beside a dead one (a run of 200 was not enough to even them out).
    log('webhooks: warm-up');
    await runOnce(uri, fresh('warmup'), env, { ...runs[0], name: 'warm-up', count, inFlight, timeoutMs, dbPid });
    const rows = [];
    for (const run of runs) {
      log(`webhooks: ${run.name}`);
      rows.push(await runOnce(uri, fresh(run.db), env, { ...run, count, inFlight, timeoutMs, dbPid }));
    }
    return rows;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  }
}

/**
 * The rows for `bench/run.mjs`: the runs on databases beside the bench's own, in its result
 * shape; the healthy rate with a dead endpoint beside it is compared in the notes.
 */
export async function measureWebhooks({ dbEnv, log }) {
  const count = Number(process.env.BENCH_WEBHOOKS ?? 300);
  const rows = await benchWebhooks({ uri: dbEnv.MONGODB_URI, log, count });
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
  const loadBefore = loadavg()[0];
  // WEBHOOK_* settings in the environment apply to the dispatcher (e.g. other concurrency limits).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('WEBHOOK_')));
  benchWebhooks({ count, log, env })
    .then((rows) => {
      const [alone, beside] = rows;
      const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, 1-minute load average ${loadBefore.toFixed(2)} before and ${loadavg()[0].toFixed(2)} after`;
      console.log(JSON.stringify({ machine, rows }, null, 2));
      for (const r of rows) {
        const cpu = r.ceiling ? `, CPU ${r.cpuMsPerDelivery.node} + ${r.cpuMsPerDelivery.database} ms per delivery (ceiling ~${r.ceiling}/s)` : '';
        console.log(`${r.name}: ${r.rate}/s, p50 ${r.p50} ms, p95 ${r.p95} ms, ${r.statementsPerDelivery} statements per delivery${cpu}`);
      }
      console.log(machine);
      if (alone && beside) console.log(`dead endpoint costs ${Math.round((1 - beside.rate / alone.rate) * 1000) / 10} % of the healthy rate`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
