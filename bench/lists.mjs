/**
 * Lists with history stored: `jobs(first: 20)` with `totalCount`, unfiltered and with each
 * console filter (status, kind, batch, and their combinations), and a second page, against
 * 20,000 jobs of one tenant (plus 2,000 of another) on a fresh database of the embedded
 * server. Jobs are seeded through the project's own repository (`JobsRepository.insertMany`,
 * so whatever a list keeps beside the jobs is kept for them too) and listed through the same
 * call `Query.jobs` makes (`JobService.listJobs`), one request at a time.
 *
 *   npm run build && node bench/lists.mjs [--jobs 20000] [--budget-ms 15000]
 *
 * Bounded: seeding, then each row stops after `--samples` requests or `--budget-ms`.
 * Prints a table and one JSON line per row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connectMongo } from '../dist/db/client.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { createJobStores } from '../dist/jobs/lifecycle/stores.js';
import { JobService } from '../dist/jobs/commands/service.js';
import { latencyStats } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '20' },
    'budget-ms': { type: 'string', default: '15000' },
  },
});
const JOBS = Number(args.jobs);
const SAMPLES = Number(args.samples);
const BUDGET_MS = Number(args['budget-ms']);
const TENANT = 'bench-lists';
const OTHER = 'bench-lists-other';
const BATCH_SIZE = 150;
const usage = { calls: 1, promptTokens: 12, completionTokens: 9, totalTokens: 21, costUsd: 0 };

/** A spread like a console's: most jobs succeeded, a few failed or were cancelled, a handful live. */
function statusOf(i) {
  const r = (i * 7919) % 1000;
  if (r < 5) return 'RUNNING';
  if (r < 10) return 'RETRYING';
  if (r < 30) return 'QUEUED';
  if (r < 70) return 'CANCELLED';
  if (r < 150) return 'FAILED';
  return 'SUCCEEDED';
}

function jobDoc(tenantId, i, start, batchId) {
  const createdAt = new Date(start + i * 10);
  const status = statusOf(i);
  const done = status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
  const id = `${tenantId === TENANT ? 'a' : 'b'}${String(i).padStart(8, '0')}`;
  return {
    _id: batchId ? `${batchId}-${String(i).padStart(5, '0')}` : id,
    tenantId,
    kind: batchId ? 'document.analyze' : 'chain',
    status,
    input: JSON.stringify({ steps: [{ name: 'answer', prompt: `Say hello to job ${i}. `.repeat(20) }] }),
    metadata: null,
    result: status === 'SUCCEEDED' ? JSON.stringify({ answer: 'Hello, seeded history, in one sentence.' }) : null,
    error: null,
    steps: [],
    progress: { completed: done ? 1 : 0, total: 1, percent: done ? 100 : 0, message: null },
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    batchId,
    idempotencyKey: null,
    requestHash: id.padEnd(64, '0'),
    usage,
    createdAt,
    startedAt: null,
    finishedAt: done ? createdAt : null,
    updatedAt: createdAt,
  };
}

/** 30 % of the jobs are document.analyze jobs in batches of 150, the rest single chain jobs. */
async function seed(jobs, tenantId, count) {
  const start = Date.now() - count * 10 - 60_000;
  const batches = [];
  let docs = [];
  for (let i = 0; i < count; i++) {
    const inBatch = i % 10 < 3;
    let batchId = null;
    if (inBatch) {
      const b = Math.floor(i / (BATCH_SIZE / 0.3));
      batchId = `${tenantId}-batch${String(b).padStart(4, '0')}`;
      if (batches.at(-1) !== batchId) batches.push(batchId);
    }
    docs.push(jobDoc(tenantId, i, start, batchId));
    if (docs.length === 500) {
      await jobs.insertMany(docs);
      docs = [];
    }
  }
  if (docs.length) await jobs.insertMany(docs);
  return batches;
}

async function timed(fn) {
  const ms = [];
  const deadline = performance.now() + BUDGET_MS;
  let last;
  for (let i = 0; i < SAMPLES && performance.now() < deadline; i++) {
    const t = performance.now();
    last = await fn();
    ms.push(performance.now() - t);
  }
  return { ms, last };
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-lists-'));
const server = await findOrStartMongo({ dataDir, log: () => {} });
const connection = await connectMongo(server.uri, 'bench_lists');
try {
  const stores = await createJobStores(connection.db);
  const service = new JobService({ stores });
  const t0 = performance.now();
  const batches = await seed(stores.jobs, TENANT, JOBS);
  await seed(stores.jobs, OTHER, Math.round(JOBS / 10));
  const seedSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`seeded ${JOBS} + ${Math.round(JOBS / 10)} jobs in ${seedSeconds.toFixed(1)} s\n`);

  const batch = batches[Math.floor(batches.length / 2)];
  const firstPage = await service.listJobs(TENANT, {}, 20, null);
  const after = Buffer.from(JSON.stringify([firstPage.items.at(-1).createdAt.getTime(), firstPage.items.at(-1)._id])).toString('base64url');
  const cases = [
    ['jobs(first: 20)', {}, null],
    ['jobs(first: 20, after: page 1)', {}, after],
    ['status: [RUNNING]', { status: ['RUNNING'] }, null],
    ['status: [QUEUED, RETRYING]', { status: ['QUEUED', 'RETRYING'] }, null],
    ['status: [FAILED]', { status: ['FAILED'] }, null],
    ['status: [SUCCEEDED]', { status: ['SUCCEEDED'] }, null],
    ['kind: document.analyze', { kind: 'document.analyze' }, null],
    ['kind: chain, status: [CANCELLED]', { kind: 'chain', status: ['CANCELLED'] }, null],
    ['batchId (a middle batch)', { batchId: batch }, null],
    ['batchId + status: [FAILED]', { batchId: batch, status: ['FAILED'] }, null],
    ['createdAfter: 1 min before the newest', { createdAfter: new Date(firstPage.items[0].createdAt.getTime() - 60_000) }, null],
  ];
  const rows = [];
  for (const [name, filter, cursor] of cases) {
    const { ms, last } = await timed(() => service.listJobs(TENANT, filter, 20, cursor));
    const stats = latencyStats(ms);
    rows.push({ name, samples: ms.length, p50: stats.p50Ms, p95: stats.p95Ms, items: last.items.length, totalCount: last.totalCount });
    process.stderr.write(`${name.padEnd(40)} p95 ${stats.p95Ms.toFixed(1).padStart(9)} ms  p50 ${stats.p50Ms.toFixed(1).padStart(9)} ms  (${ms.length} samples; ${last.items.length} items, totalCount ${last.totalCount})\n`);
  }
  for (const r of rows) console.log(JSON.stringify({ bench: 'lists', jobs: JOBS, seedSeconds: Math.round(seedSeconds * 10) / 10, ...r, targetMs: 300, met: r.p95 <= 300 }));
} finally {
  await connection.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
