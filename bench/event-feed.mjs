/**
 * `node bench/event-feed.mjs` (after `npm run build`): what the event path's reads cost once
 * the store holds a history. Seeds EVENTS (default 50,000) events of finished jobs into
 * `job_events`, fills `job_event_feed` to its default bound (10,000), then times each read
 * the event path makes, in the way it made it before (queries by `at`, `{jobId, sequence}`,
 * `{jobId}` sorted) and now (by `_id`), plus the capped-collection reads that were the other
 * candidates for the feed (newest first by `$natural`, a tailable cursor). Database: MONGODB_URI,
 * else a local mongod or FerretDB in a temporary directory. Prints a table and JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo } from '../dist/db/client.js';
import { JobEventsRepository, eventId } from '../dist/db/jobs/events.repository.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { latencyStats } from './lib.mjs';

const EVENTS = Number(process.env.EVENTS ?? 50_000);
const PER_JOB = 10;
const SAMPLES = Number(process.env.SAMPLES ?? 20);
const OPENS = Number(process.env.OPENS ?? 5_000);
const log = (line) => process.stderr.write(`${line}\n`);

function event(jobId, sequence, at) {
  return {
    _id: eventId(jobId, sequence),
    jobId,
    tenantId: 'tenant_bench',
    batchId: null,
    sequence,
    type: sequence === PER_JOB ? 'SUCCEEDED' : 'STEP_PROGRESS',
    at,
    step: { index: 0, name: 'answer', status: 'RUNNING', attempts: 1, startedAt: at, finishedAt: null, error: null },
    progress: { completed: 0, total: 1, percent: 0, message: 'working' },
    message: null,
    jobStatus: sequence === PER_JOB ? 'SUCCEEDED' : 'RUNNING',
  };
}

/** Milliseconds per call of `fn`, SAMPLES calls one after another. */
async function time(fn, samples = SAMPLES) {
  const ms = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return latencyStats(ms.sort((a, b) => a - b));
}

const dataDir = await mkdtemp(join(process.env.BENCH_DATA_DIR || tmpdir(), 'ai-jobs-feed-bench-'));
const mongo = await findOrStartMongo({ uri: process.env.MONGODB_URI || undefined, dataDir, log });
const dbName = `feedbench_${randomBytes(4).toString('hex')}`;
const uri = new URL(mongo.uri);
uri.pathname = `/${dbName}`;
const conn = await connectMongo(uri.toString(), dbName);
const rows = [];
try {
  const db = conn.db;
  const seedRepo = new JobEventsRepository(db);
  await seedRepo.ensureIndexes();
  const history = seedRepo.collection;
  log(`seeding ${EVENTS} events (${EVENTS / PER_JOB} jobs of ${PER_JOB}) on ${mongo.kind}`);
  const t0 = Date.now() - EVENTS * 10;
  const jobIds = [];
  for (let j = 0; j < EVENTS / PER_JOB; j += 100) {
    const docs = [];
    for (let k = j; k < Math.min(j + 100, EVENTS / PER_JOB); k++) {
      const jobId = `job_${String(k).padStart(6, '0')}`;
      jobIds.push(jobId);
      for (let s = 1; s <= PER_JOB; s++) docs.push(event(jobId, s, new Date(t0 + (k * PER_JOB + s) * 10)));
    }
    await history.insertMany(docs, { ordered: false });
  }
  // The feed at its bound: the last 10,000 events, at positions 1..10,000.
  const feed = seedRepo.feed;
  const newest = jobIds.slice(-1000).flatMap((jobId) => Array.from({ length: PER_JOB }, (_, s) => event(jobId, s + 1, new Date())));
  for (let i = 0; i < newest.length; i += 500) {
    await feed.collection.insertMany(newest.slice(i, i + 500).map((e, n) => ({ _id: String(i + n + 1), event: e })));
  }
  const head = await feed.newestPosition();
  log(`feed holds ${await feed.collection.countDocuments()} entries, newest position ${head}`);

  const sample = (i) => jobIds[(i * 7919) % jobIds.length];
  // OPENS_ONLY=1 measures only the subscription-opening rows (the others take minutes on FerretDB).
  const all = !process.env.OPENS_ONLY;
  const since = new Date(Date.now());
  const add = (row, stats, note) => {
    rows.push({ row, ...stats, note });
    log(`${row}: p50 ${stats.p50Ms} ms, p95 ${stats.p95Ms} ms`);
  };
  const BEFORE_SAMPLES = Number(process.env.BEFORE_SAMPLES ?? 5);

  // Before: what the poller, replay and terminal check asked for.
  if (all) {
  add('before: poll job_events by at', await time(() => history.find({ at: { $gte: since } }).sort({ at: 1, _id: 1 }).limit(1000).toArray(), BEFORE_SAMPLES), 'every poll, per API process');
  add('before: replay {jobId, sequence>0} sorted', await time((i) => history.find({ jobId: sample(i), sequence: { $gt: 0 } }).sort({ sequence: 1 }).limit(1000).toArray(), BEFORE_SAMPLES), 'every subscription open');
  add('before: latest event {jobId} sorted', await time((i) => history.find({ jobId: sample(i) }).sort({ sequence: -1 }).limit(1).next(), BEFORE_SAMPLES), 'terminal check');

  // Candidates on the capped feed.
  add('capped: newest 20 by $natural:-1', await time(() => feed.collection.find({}).sort({ $natural: -1 }).limit(20).toArray(), BEFORE_SAMPLES), 'newest-first poll');
  add('capped: tailable getMore, nothing new', await time(async () => {
    const cursor = feed.collection.find({}, { tailable: true, awaitData: false, batchSize: 20000 });
    await cursor.tryNext();
    cursor.readBufferedDocuments();
    const t = performance.now();
    await cursor.tryNext(); // a getMore that finds nothing new
    const ms = performance.now() - t;
    await cursor.close();
    return ms;
  }, 5), 'includes opening the cursor (5 samples)');

  // After: the feed read by position, replay and checks by _id, each on a fresh repository (no memory).
  add('after: poll feed, nothing new (1 _id miss)', await time(() => feed.at(head + 1)), 'every idle poll');
  add('after: poll feed, 10 new (rounds 1,2,4,8)', await time(async () => {
    await Promise.all([1].map((n) => feed.at(head - 15 + n)));
    await Promise.all([2, 3].map((n) => feed.at(head - 15 + n)));
    await Promise.all([4, 5, 6, 7].map((n) => feed.at(head - 15 + n)));
    await Promise.all([8, 9, 10, 11, 12, 13, 14, 15].map((n) => feed.at(head - 15 + n)));
  }), '15 lookups');
  add('after: replay listForJob (10 events + miss)', await time((i) => new JobEventsRepository(db).listForJob(sample(i))), 'fresh repository each time');
  add('after: newest position (gallop from oldest)', await time(() => feed.newestPosition(), 5), 'once at feed start');

  if (mongo.kind === 'ferretdb') add('after: trim (compact) at the bound', await time(() => feed.trim(), 3), 'FerretDB only, every 5 s while writing');
  }

  // 5,000 subscriptions opening at once on 10 jobs, in one process (shared reads).
  const shared = new JobEventsRepository(db);
  const hot = jobIds.slice(0, 10);
  const tOpen = performance.now();
  const mark = shared.mark();
  await Promise.all(Array.from({ length: OPENS }, (_, i) => shared.listForJob(hot[i % hot.length], 0, 1000, mark)));
  add(`after: ${OPENS} replays opening at once, 10 jobs`, { p50Ms: Math.round(performance.now() - tOpen) }, 'total ms, one process');
  log('timing 5 replays at once the old way');
  const tOld = performance.now();
  const old = await Promise.all(Array.from({ length: 5 }, (_, i) => history.find({ jobId: hot[i % hot.length], sequence: { $gt: 0 } }).sort({ sequence: 1 }).toArray())).then(
    () => 'ok',
    (err) => `failed: ${err.message}`,
  );
  add(`before: 5 replays opening at once (x${OPENS / 5} for ${OPENS})`, { p50Ms: Math.round(performance.now() - tOld) }, `total ms for 5 (${old})`);
} finally {
  await conn.db.dropDatabase().catch(() => {});
  await conn.close();
  await mongo.stop();
  await rm(dataDir, { recursive: true, force: true });
}

const fmt = (v) => (typeof v === 'number' ? v.toFixed(1) : '');
console.log(`| read (${EVENTS} events stored, ${mongo.kind}) | p50 ms | p95 ms | note |`);
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.row} | ${fmt(r.p50Ms)} | ${fmt(r.p95Ms)} | ${r.note} |`);
console.log(JSON.stringify({ events: EVENTS, database: mongo.kind, rows }, null, 1));
