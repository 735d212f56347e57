/**
 * `npm run bench`: every measurement of issue 8 side by side, in one run, on one database
 * server (MONGODB_URI, else a local mongod or FerretDB in a temporary directory): bare
 * Agenda, then the service as separate processes (`node dist/main.js`, ROLE=api and
 * ROLE=worker) fresh and after seeded history, reads with history, and two scale probes.
 * Prints a table, writes bench/results.json and the "Latest figures" table in
 * bench/README.md. Every wait is bounded; BENCH_TIMEOUT_MS (12 minutes) stops the run.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../dist/auth/api-keys.js';
import { TenantsRepository } from '../dist/db/tenants/tenants.repository.js';
import { measureBareAgenda } from './agenda-bare.mjs';
import { backgroundRate, countCommands, describeStatements, statementsPerJob } from './db-commands.mjs';
import { describeLimit, measureDbLimit } from './db-limit.mjs';
import { warmUp, watchTenantEvents } from './events.mjs';
import { formatTable } from './lib.mjs';
import { measureBatch, measureJobs } from './measure.mjs';
import { SERVICE_ENV, startService } from './processes.mjs';
import { measureReads } from './reads.mjs';
import { statementLines, targetLines, writeReadmeTable } from './report.mjs';
import { measureAiInFlight, measureSubscriptions } from './scale.mjs';
import { seedHistory } from './seed-history.mjs';
import { createCleanup, openBenchDatabase, startBenchDatabase } from './service.mjs';

const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 720_000);
const JOBS = Number(process.env.BENCH_JOBS ?? 150);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const HISTORY_JOBS = Number(process.env.BENCH_HISTORY_JOBS ?? 20_000);
const AI_CALLS = Number(process.env.BENCH_AI_CALLS ?? 500);
const SUB_CONNECTIONS = Number(process.env.BENCH_SUB_CONNECTIONS ?? 50);
const SUBS_PER_CONNECTION = Number(process.env.BENCH_SUBS_PER_CONNECTION ?? 100);
/** BENCH_SCALE=0 leaves the two scale probes out (e.g. to rerun only the other rows). */
const SCALE = process.env.BENCH_SCALE !== '0';
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

const log = (line) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const cleanup = createCleanup(log);

/** The rows measured so far: a run stopped by its time bound still writes them. */
const results = [];
let writePartial = null;

let stopping = false;
async function stopAndExit(code, why) {
  stopping = true;
  if (why) log(why);
  if (writePartial) await writePartial(why).catch((err) => log(`writing partial results failed: ${err?.message ?? err}`));
  await cleanup.run();
  process.exit(code);
}
const watchdog = setTimeout(() => void stopAndExit(1, `the benchmark took longer than ${TIMEOUT_MS} ms; stopping`), TIMEOUT_MS);
process.once('SIGINT', () => void stopAndExit(130, 'interrupted; stopping'));
process.once('SIGTERM', () => void stopAndExit(143, 'terminated; stopping'));

const AGENDA_ROW = 'bare Agenda 6, submit → done (no-op jobs)';
const renamed = (rows, prefix) => rows.map((r) => ({ ...r, name: `${prefix}${r.name}` }));

/** The server's limit rows (bench/db-limit.mjs), measured first. */
let limit = null;

/**
 * Runs a jobs measurement while counting each process's database statements (its /metrics,
 * before and after; the background rate over 5 quiet seconds first) and adds the count per
 * job to the submit → SUCCEEDED row.
 */
async function measureCounted(services, measure) {
  const processes = services.map((s) => ({ name: s.name.startsWith('api') ? 'API' : 'worker', metricsUrl: s.metricsUrl }));
  const background = await backgroundRate(processes, 5_000);
  const counter = countCommands(processes);
  await counter.start();
  let window = null;
  // Counted until every job was seen finished: the bench's own reads of the results after are not the jobs' cost.
  const rows = await measure(async () => void (window = await counter.stop()));
  window ??= await counter.stop();
  const e2e = rows.find((r) => r.name === 'chain job, submit → SUCCEEDED');
  if (e2e && e2e.count > 0) {
    const statements = statementsPerJob(window, background, e2e.count);
    const bg = Object.entries(background).map(([n, b]) => `${n} ${b.perSecond.toFixed(1)}/s`).join(', ');
    e2e.statements = { ...statements, backgroundPerSecond: Object.fromEntries(Object.entries(background).map(([n, b]) => [n, b.perSecond])), windowSeconds: window.seconds };
    e2e.notes +=
      `; ${describeStatements(statements)} (net: less each process's background while idle, ${bg}, over the ${window.seconds.toFixed(1)} s window); ` +
      `most per job: ${statements.top.slice(0, 12).map(([k, n]) => `${k} ${n}`).join(', ')}`;
    log(describeStatements(statements));
  }
  return rows;
}

async function main() {
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const dbh = await startBenchDatabase(cleanup, log);
  writePartial = (why) => writeReport(dbh, started, loadBefore, why ?? 'stopped');
  const dbEnv = { MONGODB_URI: dbh.uri };
  log(`database ${dbh.database} (event feed: ${dbh.eventSource})`);
  const pollMs = SERVICE_ENV.JOB_POLL_INTERVAL;
  const concurrency = Number(SERVICE_ENV.WORKER_CONCURRENCY);

  log('the database server\'s limit: statements per second, one client and sixteen');
  limit = await measureDbLimit(dbh.serverUri, cleanup, { log });
  for (const clients of [1, 16]) {
    const mix = limit.find((r) => r.clients === clients && r.op === 'mix');
    results.push({
      name: `database server limit, ${clients === 1 ? 'one client' : `${clients} clients`} (statements of ~1 KB documents)`,
      count: mix.count,
      seconds: mix.seconds,
      rate: mix.perSecond,
      unit: 'statements/s (mix)',
      latency: null,
      complete: true,
      notes: `${describeLimit(limit, clients)}; mix = of every five: one insert, two finds and two updates by _id (bench/db-limit.mjs)`,
    });
  }

  log(`bare Agenda: ${JOBS} no-op jobs`);
  const agendaRow = await measureBareAgenda(dbh.serverUri, cleanup, { jobs: JOBS, inFlight: IN_FLIGHT, pollInterval: pollMs, concurrency });
  results.push(agendaRow);

  let api = await startService('api', { ...dbEnv, ROLE: 'api' }, cleanup);
  let worker = await startService('worker', { ...dbEnv, ROLE: 'worker' }, cleanup);
  const { key, tenant } = await createApiKey(new TenantsRepository(dbh.db), 'bench');
  let watch = watchTenantEvents(api.url, key, cleanup);
  await warmUp(api.url, key, watch);
  log('warm-up done; a batch of 20 documents');
  results.push(await measureBatch(api.url, key, { count: 20, waitMs: 60_000 }));

  log(`fresh: ${JOBS} chain jobs, ${IN_FLIGHT} submissions in flight`);
  const fresh = await measureCounted([api, worker], (onFinished) => measureJobs(api.url, key, watch, { jobs: JOBS, inFlight: IN_FLIGHT, waitMs: 90_000, log, onFinished }));
  results.push(...renamed(fresh, 'fresh: '));

  // The fresh processes stop here: the scale probes run alone, and the history is seeded
  // with the service stopped (its pollers would compete with the inserts: on FerretDB each
  // poll reads its whole collection). Both are restarted, and warmed up, after.
  await watch.close();
  await Promise.all([worker.stop(), api.stop()]);

  // The scale probes measure the live path, on a database of their own without history
  // (the history's cost is what the rows after them show), while the other processes are stopped.
  if (SCALE) {
    const scaleDb = await openBenchDatabase(dbh.serverUri, 'bench_scale', cleanup);
    const scaleEnv = { MONGODB_URI: scaleDb.uri };
    const scaleApi = await startService('api (scale)', { ...scaleEnv, ROLE: 'api' }, cleanup);
    const scaleKey = (await createApiKey(new TenantsRepository(scaleDb.db), 'bench')).key;
    const ctx = { api: scaleApi, key: scaleKey, dbEnv: scaleEnv, cleanup, log };
    log(`${SUB_CONNECTIONS * SUBS_PER_CONNECTION} jobEvents subscriptions on one API process`);
    results.push(await measureSubscriptions(ctx, { connections: SUB_CONNECTIONS, perConnection: SUBS_PER_CONNECTION, waitMs: 90_000 }));
    log(`${AI_CALLS} AI calls in flight in one worker`);
    results.push(await measureAiInFlight(ctx, { calls: AI_CALLS }));
    await scaleApi.stop();
  }

  log(`seeding ${HISTORY_JOBS} finished jobs with their events, deliveries and attempts`);
  const seeded = await seedHistory(dbh.db, tenant._id, { jobs: HISTORY_JOBS, log });
  const historyNote = `history: ${seeded.events} events, ${seeded.jobs} finished jobs, ${seeded.deliveries} webhook deliveries and ${seeded.attempts} attempts (seeded in ${seeded.seconds.toFixed(0)} s)`;
  log(historyNote);
  // Starting over a large history takes a while on FerretDB (index builds, first sweeps).
  const t0 = Date.now();
  api = await startService('api (after history)', { ...dbEnv, ROLE: 'api' }, cleanup, { readyTimeoutMs: 240_000 });
  worker = await startService('worker (after history)', { ...dbEnv, ROLE: 'worker' }, cleanup, { readyTimeoutMs: 240_000 });
  const restartNote = `API and worker ready ${((Date.now() - t0) / 1000).toFixed(0)} s after restarting over the history`;
  log(restartNote);
  watch = watchTenantEvents(api.url, key, cleanup);
  await warmUp(api.url, key, watch, { timeoutMs: 90_000 });

  log(`after history: ${JOBS} chain jobs`);
  const after = await measureCounted([api, worker], (onFinished) => measureJobs(api.url, key, watch, { jobs: JOBS, inFlight: IN_FLIGHT, waitMs: 120_000, log, onFinished }));
  results.push(...renamed(after, 'after history: ').map((r) => ({ ...r, notes: `${r.notes}; ${historyNote}; ${restartNote}` })));

  log('reads with history stored');
  const ids = Array.from({ length: seeded.jobs }, (_, j) => `seed${String(j).padStart(8, '0')}`);
  results.push(...(await measureReads(api.url, key, ids, { samples: 30, historyNote })));

  // ---- Webhook delivery rows: bench/webhooks.mjs, when present, exports
  //      measureWebhooks({ api, key, dbEnv, db, cleanup, log }) → result rows.
  if (existsSync(fileURLToPath(new URL('./webhooks.mjs', import.meta.url)))) {
    log('webhook deliveries');
    const { measureWebhooks } = await import('./webhooks.mjs');
    results.push(...(await measureWebhooks({ api, key, dbEnv, db: dbh.db, cleanup, log })));
  }
  // ---- end of webhook rows

  writePartial = null;
  const report = await writeReport(dbh, started, loadBefore, null);
  const m = report.machine;
  process.stdout.write(
    `\nai-jobs benchmark — ${report.date}, Node ${report.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.memGB} GB, load ${m.loadAverageBefore}→${m.loadAverageAfter}, ` +
      `database ${report.database} (event feed: ${dbh.eventSource}), WORKER_CONCURRENCY=${concurrency}, JOB_POLL_INTERVAL=${pollMs}, EVENT_POLL_INTERVAL=${report.settings.eventPoll}\n\n` +
      `${formatTable(report.results)}\n\n` +
      `  service fresh ÷ bare Agenda: ${report.ratios.freshVsAgendaPercent ?? '–'} %; after history ÷ fresh: ${report.ratios.afterHistoryVsFreshPercent ?? '–'} %\n\n` +
      [...statementLines(report), ...targetLines(report)].join('\n') +
      '\n' +
      report.results.map((r) => `  ${r.name}: ${r.notes}`).join('\n') +
      (report.results.some((r) => !r.complete) ? "\n  * not everything finished within the benchmark's time bounds (see the notes)" : '') +
      `\n\nwritten to ${RESULTS_FILE} and bench/README.md (${report.seconds} s)\n`,
  );
}


/** results.json and the README table from `results`; `stoppedBecause` marks a run cut short. */
async function writeReport(dbh, started, loadBefore, stoppedBecause) {
  const pollMs = SERVICE_ENV.JOB_POLL_INTERVAL;
  const concurrency = Number(SERVICE_ENV.WORKER_CONCURRENCY);
  const rate = (name) => results.find((r) => r.name === name)?.rate ?? null;
  const ratio = (a, b) => (a && b ? Math.round((a / b) * 1000) / 10 : null);
  const freshRate = rate('fresh: chain job, submit → SUCCEEDED');
  const ratios = {
    freshVsAgendaPercent: ratio(freshRate, rate(AGENDA_ROW)),
    afterHistoryVsFreshPercent: ratio(rate('after history: chain job, submit → SUCCEEDED'), freshRate),
  };

  const round = (x, d) => (typeof x === 'number' ? Math.round(x * 10 ** d) / 10 ** d : x);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, memGB: round(totalmem() / 2 ** 30, 1), loadAverageBefore: round(loadBefore, 2), loadAverageAfter: round(loadavg()[0], 2) },
    database: dbh.database,
    settings: {
      eventSource: dbh.eventSource,
      processes: 'ROLE=api and ROLE=worker, node dist/main.js',
      aiProvider: 'offline (except the AI in-flight probe)',
      workerConcurrency: concurrency,
      jobPoll: pollMs,
      eventPoll: SERVICE_ENV.EVENT_POLL_INTERVAL,
      jobs: JOBS,
      inFlight: IN_FLIGHT,
    },
    ratios,
    seconds: round((Date.now() - started) / 1000, 1),
    ...(stoppedBecause ? { stoppedEarly: stoppedBecause } : {}),
    results: results.map((r) => ({ ...r, seconds: round(r.seconds, 3), rate: round(r.rate, 2) })),
  };
  await writeFile(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');
  await writeReadmeTable(report);
  return report;

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
