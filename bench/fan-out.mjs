/**
 * The fan-out probe alone (step 8 of run.mjs): `node bench/fan-out.mjs` after `npm run build`.
 * With `--baseline DIR` (another build's output folder, holding main.js; inside this checkout
 * so that it finds node_modules), that build is measured first and this one right after, on
 * the same database server, each on an empty database of its own: a before/after pair from
 * one run. Prints each row as JSON with the 1-minute load average before and after it (the
 * machine may be shared). BENCH_SUB_CONNECTIONS and BENCH_SUBS_PER_CONNECTION as in run.mjs;
 * BENCH_API_MAIN runs the API from another script (e.g. one that profiles it, then imports main.js).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKey } from '../dist/auth/api-keys.js';
import { TenantsRepository } from '../dist/db/tenants/tenants.repository.js';
import { startService } from './processes.mjs';
import { measureSubscriptions } from './scale.mjs';
import { createCleanup, openBenchDatabase, startBenchDatabase } from './service.mjs';

const { values } = parseArgs({ options: { baseline: { type: 'string' } } });
const connections = Number(process.env.BENCH_SUB_CONNECTIONS ?? 50);
const perConnection = Number(process.env.BENCH_SUBS_PER_CONNECTION ?? 100);
const log = (line) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const cleanup = createCleanup(log);
const load = () => Math.round(loadavg()[0] * 100) / 100;

async function probe(serverUri, label, main) {
  const runCleanup = createCleanup(log);
  try {
    const db = await openBenchDatabase(serverUri, 'bench_fanout', runCleanup);
    const dbEnv = { MONGODB_URI: db.uri };
    const api = await startService(`api (${label})`, { ...dbEnv, ROLE: 'api' }, runCleanup, { main: process.env.BENCH_API_MAIN ?? main });
    const { key } = await createApiKey(new TenantsRepository(db.db), 'bench');
    const loadBefore = load();
    log(`${label}: ${connections * perConnection} jobEvents subscriptions (load ${loadBefore})`);
    const row = await measureSubscriptions({ api, key, dbEnv, cleanup: runCleanup, log, main }, { connections, perConnection, waitMs: 90_000 });
    return { build: label, loadAverageBefore: loadBefore, loadAverageAfter: load(), ...row };
  } finally {
    await runCleanup.run();
  }
}

try {
  const dbh = await startBenchDatabase(cleanup, log);
  const rows = [];
  if (values.baseline) rows.push(await probe(dbh.serverUri, `baseline ${values.baseline}`, resolve(values.baseline, 'main.js')));
  rows.push(await probe(dbh.serverUri, 'this build', undefined));
  console.log(JSON.stringify({ date: new Date().toISOString(), database: dbh.database, eventSource: dbh.eventSource, rows }, null, 2));
} finally {
  await cleanup.run();
}
