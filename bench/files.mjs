/**
 * Files on the embedded server: what an upload, a list page, a download and a delete cost as
 * the stored bytes grow. Files are stored through the project's own repository (bytes in
 * GridFS's layout, record, list index); reads go through the calls the API and the worker
 * make. Every one of them reaches documents by `_id` (chunks by `<file id>:<n>`), so on
 * FerretDB each should cost its own file, not the store (before that layout, GridFSBucket
 * found chunks by `files_id`, which reads the whole chunks collection there).
 *
 *   npm run build && node bench/files.mjs [--files 100] [--kib 512] [--samples 5]
 *
 * Bounded: seeding, then `--samples` reads of each kind at 10 files and at `--files` files.
 * Prints one JSON line per row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ObjectId } from 'mongodb';
import { connectMongo } from '../dist/db/client.js';
import { FilesRepository } from '../dist/db/files/index.js';
import { findOrStartMongo } from '../dist/db/local-server.js';
import { latencyStats } from './lib.mjs';

const { values: args } = parseArgs({
  options: { files: { type: 'string', default: '100' }, kib: { type: 'string', default: '512' }, samples: { type: 'string', default: '5' } },
});
const FILES = Number(args.files);
const BYTES = Number(args.kib) * 1024;
const SAMPLES = Number(args.samples);
const TENANT = 'bench-files';

async function store(repo, i) {
  const id = new ObjectId().toHexString();
  const upload = await repo.content.openUpload(id, `file-${i}.txt`, { tenantId: TENANT, staleAt: new Date(Date.now() + 3_600_000) });
  // As an upload arrives: in pieces of 64 KiB (busboy's), each stored before the next is taken.
  const bytes = Buffer.alloc(BYTES, 97 + (i % 26));
  for (let at = 0; at < BYTES; at += 65_536) await upload.write(bytes.subarray(at, at + 65_536));
  await upload.end();
  await repo.insert({ _id: id, tenantId: TENANT, name: `file-${i}.txt`, contentType: 'text/plain', size: BYTES, sha256: 'x', createdAt: new Date() });
  return id;
}

async function timed(fn) {
  const ms = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return latencyStats(ms);
}

async function download(repo, id) {
  let n = 0;
  for await (const chunk of repo.content.openDownload(id)) n += chunk.length;
  if (n !== BYTES) throw new Error(`read ${n} of ${BYTES} bytes`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-files-'));
const server = await findOrStartMongo({ dataDir, log: () => {} });
const connection = await connectMongo(server.uri, 'bench_files');
try {
  const repo = new FilesRepository(connection.db);
  await repo.ensureIndexes();
  const ids = [];
  for (const target of [10, FILES]) {
    const t0 = performance.now();
    while (ids.length < target) ids.push(await store(repo, ids.length));
    process.stderr.write(`stored ${ids.length} files of ${BYTES / 1024} KiB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const rows = {
      // Uploads add files of their own; the deletes below take as many away again.
      [`upload ${BYTES / 1024} KiB`]: await timed(async () => void ids.push(await store(repo, ids.length))),
      'files(first: 20) + totalCount': await timed(() => repo.page(TENANT, 20)),
      'file(id)': await timed((i) => repo.findForTenant(TENANT, ids[i % ids.length])),
      [`download ${BYTES / 1024} KiB`]: await timed((i) => download(repo, ids[(i * 7) % ids.length])),
    };
    // Deletes take the newest files: their own rows are gone from later measurements.
    rows.delete = await timed(async () => repo.delete(await repo.findById(ids.pop())));
    for (const [name, s] of Object.entries(rows)) {
      process.stderr.write(`${String(target).padStart(5)} files  ${name.padEnd(32)} p50 ${s.p50Ms.toFixed(1).padStart(8)} ms  p95 ${s.p95Ms.toFixed(1).padStart(8)} ms\n`);
      console.log(JSON.stringify({ bench: 'files', files: target, fileKiB: BYTES / 1024, storedMiB: Math.round((target * BYTES) / 1048576), name, p50: s.p50Ms, p95: s.p95Ms }));
    }
  }
} finally {
  await connection.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
