/**
 * Jest global setup: one MongoDB-wire server for the whole run (each test file then uses
 * a fresh database on it). MONGODB_URI wins; else mongod or the embedded FerretDB is
 * started in a temporary directory on a free port, and stopped by global-teardown.js.
 * The FerretDB child also exits by itself if this process dies (it watches its stdin).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export default async function globalSetup() {
  const root = resolve(import.meta.dirname, '..', '..');
  if (!existsSync(join(root, 'dist', 'main.js'))) {
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const { findOrStartMongo } = await import(join(root, 'dist', 'db', 'local-server.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'aijobs-test-'));
  const mongo = await findOrStartMongo({
    uri: process.env.MONGODB_URI || undefined,
    dataDir,
    log: (line) => process.stderr.write(`[test db] ${line}\n`),
  });
  globalThis.__TEST_MONGO__ = { mongo, dataDir };
  process.env.TEST_MONGODB_URI = mongo.uri;
  process.env.TEST_MONGODB_KIND = mongo.kind;
}
