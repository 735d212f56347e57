/**
 * `npm run bench`: starts a database (MONGODB_URI, else a local mongod or FerretDB in a
 * temporary directory) and the whole service in this process, measures submissions,
 * end-to-end job throughput, subscription event latency and a document batch, prints a
 * table and writes bench/results.json. Everything started is stopped at the end, on
 * failure too. Every wait is bounded (work left unfinished is reported as such), and
 * BENCH_TIMEOUT_MS (default 6 minutes) stops the whole run as a last resort.
 * See bench/README.md for what each number means.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatTable } from './lib.mjs';
import { warmUp, watchTenantEvents } from './events.mjs';
import { measureBatch, measureJobs } from './measure.mjs';
import { createCleanup, startBenchService } from './service.mjs';

const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 360_000);
const JOBS = Number(process.env.BENCH_JOBS ?? 300);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const BATCH_DOCUMENTS = Number(process.env.BENCH_BATCH_DOCUMENTS ?? 20);
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const cleanup = createCleanup(log);

let stopping = false;
async function stopAndExit(code, why) {
  stopping = true;
  if (why) log(why);
  await cleanup.run();
  process.exit(code);
}

const watchdog = setTimeout(() => void stopAndExit(1, `the benchmark took longer than ${TIMEOUT_MS} ms; stopping`), TIMEOUT_MS);
process.once('SIGINT', () => void stopAndExit(130, 'interrupted; stopping'));
process.once('SIGTERM', () => void stopAndExit(143, 'terminated; stopping'));

async function main() {
  const t0 = Date.now();
  const svc = await startBenchService(cleanup, log);
  log(`service up at ${svc.url} on ${svc.database} (event feed: ${svc.eventSource}) in ${Date.now() - t0} ms`);
  const watch = watchTenantEvents(svc.url, svc.key, cleanup);
  await warmUp(svc.url, svc.key, watch);
  // The batch runs first, on an idle queue: after the chain jobs it could queue behind a backlog.
  log(`warm-up done; analysing a batch of ${BATCH_DOCUMENTS} documents`);
  const batchRow = await measureBatch(svc.url, svc.key, { count: BATCH_DOCUMENTS, waitMs: 60_000 });
  log(`submitting ${JOBS} chain jobs, ${IN_FLIGHT} requests in flight`);
  const results = await measureJobs(svc.url, svc.key, watch, { jobs: JOBS, inFlight: IN_FLIGHT, waitMs: 90_000, log });
  results.push(batchRow);

  const round = (x, d) => (typeof x === 'number' ? Math.round(x * 10 ** d) / 10 ** d : x);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, memGB: round(totalmem() / 2 ** 30, 1) },
    database: svc.database,
    settings: {
      eventSource: svc.eventSource,
      aiProvider: svc.config.ai.provider,
      workerConcurrency: svc.config.jobs.concurrency,
      jobPollMs: svc.config.jobs.pollMs,
      eventPollMs: svc.config.events.pollMs,
      jobs: JOBS,
      inFlight: IN_FLIGHT,
      batchDocuments: BATCH_DOCUMENTS,
    },
    results: results.map((r) => ({ ...r, seconds: round(r.seconds, 3), rate: round(r.rate, 2) })),
  };
  await writeFile(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');

  const m = report.machine;
  process.stdout.write(
    `\nai-jobs benchmark — ${report.date}, Node ${report.node}, ${m.cpus} CPUs, ${m.memGB} GB, ` +
      `database ${report.database} (event feed: ${svc.eventSource}), AI provider ${report.settings.aiProvider}, ` +
      `WORKER_CONCURRENCY=${report.settings.workerConcurrency}\n\n${formatTable(report.results)}\n\n` +
      report.results.map((r) => `  ${r.name}: ${r.notes}`).join('\n') +
      (report.results.some((r) => !r.complete) ? '\n  * not everything finished within the benchmark\'s time bounds (see the notes)' : '') +
      `\n\nwritten to ${RESULTS_FILE}\n`,
  );
}

let code = 0;
try {
  await main();
} catch (err) {
  if (!stopping) log(`failed: ${err?.stack ?? err}`); // else: a consequence of stopping
  code = 1;
} finally {
  clearTimeout(watchdog);
}
await stopAndExit(code);
