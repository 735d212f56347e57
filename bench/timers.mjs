/**
 * The cost of the timer sweep every worker runs each JOB_POLL_INTERVAL (src/jobs/lifecycle/
 * timers.ts), with N timers pending in the future (SCHEDULED jobs, review timeouts, schedule
 * ticks), on a fresh database of the embedded server: an idle sweep (the hint says nothing is
 * due: one lookup by `_id`) against a sweep that queries the pending timers (what every poll
 * would cost without the hint, and what a rescan costs every 5 s).
 *
 *   npm run build && node bench/timers.mjs [--pending 1000,10000] [--samples 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connectMongo } from '../dist/db/client.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { TimersRepository } from '../dist/db/jobs/timers.repository.js';
import { JobTimers } from '../dist/jobs/lifecycle/timers.js';
import { latencyStats } from './lib.mjs';

const { values: args } = parseArgs({ options: { pending: { type: 'string', default: '1000,10000' }, samples: { type: 'string', default: '50' } } });
const SIZES = args.pending.split(',').map(Number);
const SAMPLES = Number(args.samples);
const handlers = { review: async () => {}, 'run-at': async () => {}, 'run-at-batch': async () => {}, schedule: async () => {} };
const fail = (err) => {
  throw err;
};

async function time(fn) {
  const ms = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return latencyStats(ms);
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-timers-'));
const server = await findOrStartMongo({ dataDir, log: () => {} });
const connection = await connectMongo(server.uri, 'bench_timers');
const rows = [];
try {
  const repo = new TimersRepository(connection.db);
  await repo.ensureIndexes();
  let pending = 0;
  for (const size of SIZES) {
    const later = Date.now() + 86_400_000;
    const docs = [];
    for (; pending < size; pending++) docs.push({ _id: `run-at:bench-${pending}`, kind: 'run-at', ref: `bench-${pending}`, dueAt: new Date(later + pending), createdAt: new Date() });
    for (let i = 0; i < docs.length; i += 1000) await repo.timers.insertMany(docs.slice(i, i + 1000));
    await repo.raiseHint(new Date(later), (await repo.hint())?.version ?? null);
    // Idle: the hint says nothing is due (a rescan only every 60 s here).
    const idle = new JobTimers(repo, { rescanEveryMs: 60_000 });
    await idle.sweep(handlers, fail);
    rows.push({ row: `idle sweep, ${size} pending`, ...(await time(() => idle.sweep(handlers, fail))) });
    // Every sweep queries the pending timers (a rescan each time).
    const scanning = new JobTimers(repo, { rescanEveryMs: 0 });
    rows.push({ row: `querying sweep, ${size} pending`, ...(await time(() => scanning.sweep(handlers, fail))) });
  }
} finally {
  await connection.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.table(rows);
for (const r of rows) console.log(JSON.stringify({ bench: 'timers', ...r }));
