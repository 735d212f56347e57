/**
 * What every benchmark run starts first: a database server (MONGODB_URI, else a local
 * mongod/FerretDB in a temporary directory), a database of its own on it, and the cleanup
 * list that stops everything started, in reverse order, on failure too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo, supportsChangeStreams } from '../dist/db/client.js';
import { findOrStartMongo } from '../dist/db/local-server.js';

export function createCleanup(log) {
  const steps = [];
  let running;
  return {
    add(name, fn) {
      steps.push({ name, fn });
    },
    run() {
      running ??= (async () => {
        for (const { name, fn } of steps.reverse()) {
          const t0 = Date.now();
          try {
            // A step that hangs must not keep the benchmark alive: give each 25 s.
            await Promise.race([fn(), new Promise((_, no) => setTimeout(() => no(new Error('timed out')), 25_000).unref())]);
          } catch (err) {
            log(`stopping ${name} failed after ${Date.now() - t0} ms: ${err?.message ?? err}`);
          }
        }
      })();
      return running;
    },
  };
}

/** Starts the server; returns { serverUri, uri (naming the bench database), db, database, eventSource }. */
export async function startBenchDatabase(cleanup, log) {
  // BENCH_DATA_DIR puts the local server's files elsewhere (e.g. /dev/shm, to leave the disk out).
  const dataDir = await mkdtemp(join(process.env.BENCH_DATA_DIR || tmpdir(), 'ai-jobs-bench-'));
  cleanup.add('temporary directory', () => rm(dataDir, { recursive: true, force: true }));
  const mongo = await findOrStartMongo({ uri: process.env.MONGODB_URI || undefined, dataDir, log });
  cleanup.add(`database (${mongo.kind})`, () => mongo.stop());

  const { uri, db } = await openBenchDatabase(mongo.uri, 'bench', cleanup);
  const eventSource = (await supportsChangeStreams(db)) ? 'change-stream' : 'polling';
  return { serverUri: mongo.uri, uri, db, database: mongo.kind, eventSource };
}

/**
 * A database of its own (`<prefix>_<random>`), so that an external server's other data is
 * never touched; dropped by cleanup. Returns { uri (naming it), db }.
 */
export async function openBenchDatabase(serverUri, prefix, cleanup) {
  const dbName = `${prefix}_${randomBytes(5).toString('hex')}`;
  const uri = new URL(serverUri);
  uri.pathname = `/${dbName}`;
  const connection = await connectMongo(uri.toString(), dbName);
  cleanup.add(`database ${dbName}`, async () => {
    await connection.db.dropDatabase().catch(() => {});
    await connection.close();
  });
  return { uri: uri.toString(), db: connection.db };
}
