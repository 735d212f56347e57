/**
 * Does a backlog slow the queue? `node bench/backlog.mjs` after `npm run build`.
 *
 * An API process and one worker (WORKER_CONCURRENCY=8, offline AI) on a fresh database.
 * Twice, with the worker stopped, one-step `chain` jobs are queued over HTTP — first 20,
 * then 1,000 — and the worker is started again; the rate is the jobs that succeed per
 * second from the first success on (seen over a `tenantJobEvents` subscription, which adds
 * no database load), over all 20 jobs, and over the first `BENCH_BACKLOG_SAMPLE` (100)
 * of the 1,000 or `BENCH_BACKLOG_WINDOW_S` (90) seconds, whichever comes first: the queue
 * is still ~900 deep when that rate is taken. Prints both rows and their ratio as JSON
 * (the goal: the rate with 1,000 queued is at least 70 % of the rate with 20).
 */
import { createApiKey } from '../dist/auth/api-keys.js';
import { TenantsRepository } from '../dist/db/tenants/tenants.repository.js';
import { chainInput, SUBMIT, warmUp, watchTenantEvents } from './events.mjs';
import { gql, pool, sleep } from './lib.mjs';
import { startService } from './processes.mjs';
import { createCleanup, startBenchDatabase } from './service.mjs';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1000);
const SMALL = 20;
const SAMPLE = Number(process.env.BENCH_BACKLOG_SAMPLE ?? 100);
const WINDOW_MS = Number(process.env.BENCH_BACKLOG_WINDOW_S ?? 90) * 1000;

const log = (line) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const cleanup = createCleanup(log);
const started = Date.now();
try {
  const dbh = await startBenchDatabase(cleanup, log);
  const dbEnv = { MONGODB_URI: dbh.uri };
  const api = await startService('api', { ...dbEnv, ROLE: 'api' }, cleanup);
  const { key } = await createApiKey(new TenantsRepository(dbh.db), 'bench');
  const watch = watchTenantEvents(api.url, key, cleanup);
  let worker = await startService('worker', { ...dbEnv, ROLE: 'worker' }, cleanup);
  await warmUp(api.url, key, watch);

  /** Queues `count` jobs with no worker running, starts one, and measures the success rate. */
  async function round(label, count, sample) {
    await worker.stop();
    log(`${label}: queueing ${count} jobs (worker stopped)`);
    const ids = await pool(count, 16, async (i) => (await gql(api.url, key, SUBMIT, { input: chainInput(`${label} ${i}`) })).submitJob.id);
    const mine = new Set(ids);
    const seen = () => watch.events.filter((e) => mine.has(e.jobId) && e.type === 'SUCCEEDED').map((e) => e.receivedMs);
    log(`${label}: queued; starting the worker`);
    worker = await startService('worker', { ...dbEnv, ROLE: 'worker' }, cleanup);
    const deadline = Date.now() + WINDOW_MS + 60_000;
    let firstMs = null;
    for (;;) {
      if (watch.ended) throw new Error(`the subscription ended: ${watch.errors.join('; ')}`);
      const done = seen();
      firstMs ??= done.length > 0 ? Math.min(...done) : null;
      if (done.length >= sample || Date.now() > deadline || (firstMs !== null && Date.now() - firstMs > WINDOW_MS)) break;
      await sleep(100);
    }
    const done = seen().sort((a, b) => a - b).slice(0, sample);
    const seconds = done.length > 1 ? (done[done.length - 1] - done[0]) / 1000 : null;
    const rate = seconds ? (done.length - 1) / seconds : null;
    log(`${label}: ${done.length} succeeded in ${seconds?.toFixed(2)} s → ${rate?.toFixed(2)} jobs/s`);
    return { name: `one-step chain jobs, ${count} queued`, count: done.length, seconds, rate, unit: 'jobs/s', complete: done.length >= sample };
  }

  const small = await round('20 queued', SMALL, SMALL);
  const large = await round(`${BACKLOG} queued`, BACKLOG, SAMPLE);
  const ratioPercent = small.rate && large.rate ? Math.round((large.rate / small.rate) * 1000) / 10 : null;
  console.log(JSON.stringify({ database: dbh.database, seconds: (Date.now() - started) / 1000, ratioPercent, goalPercent: 70, met: ratioPercent !== null && ratioPercent >= 70, results: [small, large] }, null, 2));
} finally {
  await cleanup.run();
}
