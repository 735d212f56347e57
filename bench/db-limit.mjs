/**
 * The database server's physical limit: statements per second it runs of the kinds a job is
 * made of — inserts of a ~1 KB document, finds by `_id`, updates by `_id` (`$set` of two
 * fields) and a mix of them (1 insert, 2 finds, 2 updates, as a job's path is mostly) — with
 * one client awaiting each statement, and with sixteen at once. On the embedded FerretDB
 * statements run one at a time (SQLite), so sixteen clients mostly queue; what they gain is
 * the round trip overlapped with another's work.
 *
 * Run alone: `npm run build && node bench/db-limit.mjs [seconds per row]` (MONGODB_URI, else
 * the local server in a temporary directory); `npm run bench` runs it first.
 */
import { performance } from 'node:perf_hooks';
import { openBenchDatabase } from './service.mjs';
import { sleep } from './lib.mjs';

/** A document of about 1 KB, like a job record of a one-step chain. */
const docOf = (i) => ({ _id: `d${i}`, tenantId: 'bench', status: 'QUEUED', n: i, updatedAt: new Date(), pad: 'x'.repeat(900) });

/** Runs `op(i)` from `clients` loops for `seconds`; returns { count, seconds, perSecond }. */
async function rate(clients, seconds, op) {
  let next = 0;
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await op(next++);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { count: done, seconds: elapsed, perSecond: done / elapsed };
}

/**
 * Rows { clients, op, count, seconds, perSecond } for 1 and 16 clients and each kind of statement, on a
 * database of its own (dropped by cleanup) whose collection already holds `stored` documents.
 */
export async function measureDbLimit(serverUri, cleanup, { seconds = 3, stored = 2_000, log = () => {} } = {}) {
  const { db } = await openBenchDatabase(serverUri, 'bench_limit', cleanup);
  const col = db.collection('docs');
  for (let i = 0; i < stored; i += 500) await col.insertMany(Array.from({ length: Math.min(500, stored - i) }, (_, j) => docOf(i + j)));
  // The embedded server's wrapper adds its `_id` index to new tables within a second or so.
  await sleep(2_500);
  let fresh = stored;
  const pick = (i) => `d${(i * 7919) % stored}`;
  const ops = {
    insert: () => col.insertOne(docOf(fresh++)),
    find: (i) => col.findOne({ _id: pick(i) }),
    update: (i) => col.updateOne({ _id: pick(i) }, { $set: { status: 'RUNNING', updatedAt: new Date() } }),
    // Of every five statements: one insert, two finds, two updates.
    mix: (i) => [ops.insert, ops.find, ops.update, ops.find, ops.update][i % 5](i),
  };
  const rows = [];
  for (const clients of [1, 16]) {
    for (const [op, fn] of Object.entries(ops)) {
      const r = await rate(clients, seconds, fn);
      log(`${clients} client(s), ${op}: ${r.perSecond.toFixed(0)} statements/s`);
      rows.push({ clients, op, ...r });
    }
  }
  return rows;
}

/** The limit a job's path runs into: the mix, with sixteen clients (the service's processes run many statements at once). */
export const limitOf = (rows, clients = 16) => rows.find((r) => r.op === 'mix' && r.clients === clients)?.perSecond ?? null;

/** "insert 1,234/s, find …" for one number of clients. */
export function describeLimit(rows, clients) {
  return rows
    .filter((r) => r.clients === clients)
    .map((r) => `${r.op} ${Math.round(r.perSecond).toLocaleString('en-US')}/s`)
    .join(', ');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { createCleanup, startBenchDatabase } = await import('./service.mjs');
  const { loadavg } = await import('node:os');
  const log = (line) => process.stderr.write(`[bench] ${line}\n`);
  const cleanup = createCleanup(log);
  const load = loadavg()[0];
  try {
    const dbh = await startBenchDatabase(cleanup, log);
    const rows = await measureDbLimit(dbh.serverUri, cleanup, { seconds: Number(process.argv[2] ?? 3), log });
    process.stdout.write(`database ${dbh.database}, load ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}\n`);
    for (const c of [1, 16]) process.stdout.write(`${c} client(s): ${describeLimit(rows, c)}\n`);
    process.stdout.write(`${JSON.stringify(rows)}\n`);
  } finally {
    await cleanup.run();
  }
}
