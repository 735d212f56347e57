/**
 * What tracing costs: `node bench/tracing-overhead.mjs [jobs] [rounds]` after `npm run build`.
 *
 * 1. In this process, with no SDK registered (tracing off): the time one of our span
 *    adapters (traceStep, the API's no-op tracer underneath) adds to an awaited call.
 * 2. The service as two processes (ROLE=api, ROLE=worker, AI offline), `jobs` one-step
 *    chain jobs submitted 16 at a time, submit → SUCCEEDED, in alternating rounds of:
 *    `off` (no OTEL_* variable), `on` (OTLP http/protobuf to a sink in this process, every
 *    span kept), and, with BENCH_BASELINE=<another build's dist/main.js> (e.g. main's,
 *    without the tracing code), `baseline`. Each round has a fresh database of its own.
 *
 * Prints one JSON document (machine, load before and after, rows); asserts nothing.
 */
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createApiKey } from '../dist/auth/api-keys.js';
import { TenantsRepository } from '../dist/db/tenants/index.js';
import { traceStep } from '../dist/tracing/index.js';
import { warmUp, watchTenantEvents } from './events.mjs';
import { measureJobs } from './measure.mjs';
import { startService } from './processes.mjs';
import { createCleanup, openBenchDatabase, startBenchDatabase } from './service.mjs';

const JOBS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 2);
const log = (line) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** ns one awaited traceStep adds over the bare awaited call, tracing off (best of 5 runs of n). */
async function noopSpanCost(n = 200_000) {
  const work = async () => 1;
  const time = async (fn) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return ((performance.now() - t0) * 1e6) / n;
  };
  let bare = Infinity;
  let traced = Infinity;
  for (let run = 0; run < 5; run++) {
    bare = Math.min(bare, await time(work));
    traced = Math.min(traced, await time(() => traceStep('job', 'step', 0, work)));
  }
  return { calls: n, bareNs: Math.round(bare), tracedNs: Math.round(traced), addedNsPerSpan: Math.round(traced - bare) };
}

/** An OTLP/HTTP sink that answers 200 and counts what it got. */
async function startSink(cleanup) {
  const got = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (c) => (got.bytes += c.length));
    req.on('end', () => {
      got.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  cleanup.add('OTLP sink', () => new Promise((ok) => server.close(() => ok())));
  return { url: `http://127.0.0.1:${server.address().port}`, got };
}

async function round(config, serverUri, sink) {
  const cleanup = createCleanup(log);
  try {
    const db = await openBenchDatabase(serverUri, `bench_tracing_${config}`, cleanup);
    const env = { MONGODB_URI: db.uri, ...(config === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '1000' } : {}) };
    const main = config === 'baseline' ? { main: process.env.BENCH_BASELINE } : {};
    const api = await startService(`api (${config})`, { ...env, ROLE: 'api' }, cleanup, main);
    await startService(`worker (${config})`, { ...env, ROLE: 'worker' }, cleanup, main);
    const { key } = await createApiKey(new TenantsRepository(db.db), 'bench');
    const watch = watchTenantEvents(api.url, key, cleanup);
    await warmUp(api.url, key, watch);
    const before = sink.got.requests;
    const rows = await measureJobs(api.url, key, watch, { jobs: JOBS, inFlight: 16, waitMs: 90_000, log });
    const e2e = rows.find((r) => r.name.startsWith('chain job'));
    return { config, jobs: e2e.count, complete: e2e.complete, jobsPerSecond: +e2e.rate.toFixed(2), p50Ms: e2e.latency?.p50Ms, p95Ms: e2e.latency?.p95Ms, exports: sink.got.requests - before };
  } finally {
    await cleanup.run();
  }
}

const cleanup = createCleanup(log);
try {
  const loadBefore = loadavg().map((x) => +x.toFixed(2));
  const noop = await noopSpanCost();
  log(`no-op span: ${JSON.stringify(noop)}`);
  const dbh = await startBenchDatabase(cleanup, log);
  const sink = await startSink(cleanup);
  const configs = ['off', 'on', ...(process.env.BENCH_BASELINE ? ['baseline'] : [])];
  const rows = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating order: a machine that gets busier during the run does not favour one config.
    for (const config of r % 2 === 0 ? configs : [...configs].reverse()) {
      const row = await round(config, dbh.serverUri, sink);
      log(JSON.stringify(row));
      rows.push({ round: r + 1, ...row });
    }
  }
  console.log(
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, cpus: cpus().length, database: dbh.database, loadBefore, loadAfter: loadavg().map((x) => +x.toFixed(2)), jobsPerRound: JOBS, noopSpan: noop, rows },
      null,
      2,
    ),
  );
} finally {
  await cleanup.run();
}
