/**
 * Before/after of the FerretDB wrapper's _id path index (tools/ferretdb/idindex.go): find,
 * updateOne and deleteOne by _id, one client, at 1,000 and 20,000 documents of ~200 bytes,
 * on a fresh FerretDB started with the keeper off (`-id-index-every 0`) and then on.
 * Run: `npm run build && node bench/ferretdb-id-index.mjs` (prints a table and JSON).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { ensureFerretDbBuilt, FERRETDB_BINARY, freePort } from '../dist/db/local-server.js';
import { latencyStats } from './lib.mjs';

const SIZES = (process.env.BENCH_ID_INDEX_SIZES ?? '1000,20000').split(',').map(Number);
const OPS = Number(process.env.BENCH_ID_INDEX_OPS ?? 100);

async function startFerret(dir, keeper) {
  const port = await freePort();
  const args = ['-listen', `127.0.0.1:${port}`, '-dir', dir, '-exit-on-stdin-close', '-log-level', 'error'];
  if (!keeper) args.push('-id-index-every', '0');
  const child = spawn(FERRETDB_BINARY, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const uri = await new Promise((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error('FerretDB not ready within 60 s')), 60_000);
    child.once('exit', (code) => fail(new Error(`FerretDB exited (${code})`)));
    child.stdout.on('data', (c) => {
      const m = /^ready (\S+)$/m.exec((buf += c));
      if (m) (clearTimeout(timer), ok(m[1]));
    });
  });
  return { uri, stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))) };
}

async function timeOps(n, fn) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return latencyStats(ms);
}

/** One size on one server: returns { find, update, delete } latency stats. */
async function measureSize(db, size, keeper) {
  const col = db.collection(`docs_${size}`);
  const pad = 'x'.repeat(150);
  for (let i = 0; i < size; i += 1000) {
    await col.insertMany(Array.from({ length: Math.min(1000, size - i) }, (_, j) => ({ _id: `d${i + j}`, n: i + j, status: 'QUEUED', pad })));
  }
  if (keeper) await new Promise((r) => setTimeout(r, 2_500)); // the keeper's next pass (every 1 s) indexes the new table
  const pick = (i) => `d${Math.floor(((i + 0.5) / OPS) * size)}`;
  const find = await timeOps(OPS, (i) => col.findOne({ _id: pick(i) }));
  const update = await timeOps(OPS, (i) => col.updateOne({ _id: pick(i) }, { $set: { status: 'RUNNING' } }));
  const del = await timeOps(OPS, (i) => col.deleteOne({ _id: pick(i) }));
  const left = await col.countDocuments({});
  if (left !== size - OPS) throw new Error(`expected ${size - OPS} documents after the deletes, found ${left}`);
  return { find, update, delete: del };
}

export async function measureIdIndex(log = () => {}) {
  ensureFerretDbBuilt(log);
  const rows = [];
  for (const keeper of [false, true]) {
    const dir = await mkdtemp(join(tmpdir(), 'ferret-id-index-'));
    const server = await startFerret(dir, keeper);
    const client = await MongoClient.connect(server.uri);
    try {
      for (const size of SIZES) {
        log(`id index ${keeper ? 'on' : 'off'}: ${size} documents`);
        rows.push({ index: keeper, documents: size, ops: OPS, ...(await measureSize(client.db('bench'), size, keeper)) });
      }
    } finally {
      await client.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureIdIndex((l) => process.stderr.write(`[bench] ${l}\n`));
  const f = (s) => `${s.p50Ms} / ${s.p95Ms}`;
  process.stdout.write('| _id path index | documents | find p50 / p95 ms | updateOne p50 / p95 ms | deleteOne p50 / p95 ms |\n| --- | --- | --- | --- | --- |\n');
  for (const r of rows) process.stdout.write(`| ${r.index ? 'on' : 'off'} | ${r.documents} | ${f(r.find)} | ${f(r.update)} | ${f(r.delete)} |\n`);
  process.stdout.write(`\n${JSON.stringify(rows)}\n`);
}
