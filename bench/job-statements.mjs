/**
 * What one job costs the database, alone: `node bench/job-statements.mjs [jobs] [in flight]`
 * after `npm run build`. An API process and a worker (as in run.mjs: offline AI,
 * WORKER_CONCURRENCY=8), a warm-up, 5 quiet seconds for the background, then `jobs` one-step
 * `chain` jobs (150, 16 submissions in flight): submit → SUCCEEDED, and every statement each
 * process sent meanwhile (its `aijobs_db_commands_total`), per job, by command and
 * collection. Prints a table and JSON; writes nothing. BENCH_MAIN runs another build's
 * dist/main.js (inside this checkout, so it finds node_modules) for a before/after pair.
 */
import { loadavg } from 'node:os';
import { createApiKey } from '../dist/auth/api-keys.js';
import { TenantsRepository } from '../dist/db/tenants/tenants.repository.js';
import { backgroundRate, countCommands, describeStatements, statementsPerJob } from './db-commands.mjs';
import { warmUp, watchTenantEvents } from './events.mjs';
import { measureJobs } from './measure.mjs';
import { startService } from './processes.mjs';
import { createCleanup, startBenchDatabase } from './service.mjs';

const jobs = Number(process.argv[2] ?? 150);
const inFlight = Number(process.argv[3] ?? 16);
const log = (line) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const cleanup = createCleanup(log);
const loadBefore = loadavg()[0];
const main = process.env.BENCH_MAIN ? { main: process.env.BENCH_MAIN } : {};
try {
  const dbh = await startBenchDatabase(cleanup, log);
  const dbEnv = { MONGODB_URI: dbh.uri };
  const api = await startService('api', { ...dbEnv, ROLE: 'api' }, cleanup, main);
  const worker = await startService('worker', { ...dbEnv, ROLE: 'worker' }, cleanup, main);
  const { key } = await createApiKey(new TenantsRepository(dbh.db), 'bench');
  const watch = watchTenantEvents(api.url, key, cleanup);
  await warmUp(api.url, key, watch);
  const processes = [
    { name: 'API', metricsUrl: api.metricsUrl },
    { name: 'worker', metricsUrl: worker.metricsUrl },
  ];
  const background = await backgroundRate(processes, 5_000);
  const counter = countCommands(processes);
  await counter.start();
  let window = null;
  // Counted until every job was seen finished, before the bench reads them back.
  const rows = await measureJobs(api.url, key, watch, { jobs, inFlight, waitMs: 120_000, log, onFinished: async () => void (window = await counter.stop()) });
  const e2e = rows.find((r) => r.name === 'chain job, submit → SUCCEEDED');
  const s = statementsPerJob(window, background, e2e.count);
  process.stdout.write(
    `${e2e.count} of ${jobs} jobs in ${e2e.seconds.toFixed(2)} s: ${e2e.rate.toFixed(1)} jobs/s, p50 ${e2e.latency.p50Ms} ms, p95 ${e2e.latency.p95Ms} ms; ` +
      `load ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}\n` +
      `${describeStatements(s)}; idle: ${Object.entries(background).map(([n, b]) => `${n} ${b.perSecond.toFixed(1)}/s`).join(', ')}; window ${window.seconds.toFixed(1)} s\n\n` +
      s.top.map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`).join('\n') +
      '\n',
  );
  process.stdout.write(`${JSON.stringify({ jobs: e2e.count, rate: e2e.rate, statements: { perJob: s.perJob, gross: s.gross, net: s.net, top: s.top } })}\n`);
} finally {
  await cleanup.run();
}
