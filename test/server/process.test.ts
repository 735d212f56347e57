/**
 * The service as an operator runs it: `node dist/main.js` (what `npm start` runs after
 * building) and `node dist/cli.js` (what `npm run cli` runs). Real processes, real ports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDb, embeddedTestServer, type TestDb } from '../support/db.js';
import { gql } from '../support/graphql-client.js';
import { startServiceProcess } from '../support/service-process.js';
import { TEST_ENV } from '../support/app.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const node = process.execPath;
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb('proc');
});
afterAll(async () => {
  await db?.close();
});

test('a bad configuration value stops the process at start, naming the variable', () => {
  const res = spawnSync(node, [join(ROOT, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: 'abc' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status).toBe(1);
  expect(res.stderr).toContain('PORT="abc" is invalid');
});

test('create-api-key prints only the new key, and the key works', async () => {
  const res = spawnSync(node, [join(ROOT, 'dist', 'cli.js'), 'create-api-key', '--tenant', 'acme'], {
    env: { PATH: process.env.PATH ?? '', MONGODB_URI: db.uri },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status).toBe(0);
  const lines = res.stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ak_[A-Za-z0-9_-]{40,}$/);
  const api = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'api' });
  try {
    const viewer = await gql(api.url, lines[0], '{ viewer { name } }');
    expect(viewer.data.viewer.name).toBe('acme');
  } finally {
    expect((await api.stop()).code).toBe(0);
  }
});

test('create-api-key without --tenant fails with usage on stderr', () => {
  const res = spawnSync(node, [join(ROOT, 'dist', 'cli.js'), 'create-api-key'], {
    env: { PATH: process.env.PATH ?? '', MONGODB_URI: db.uri },
    encoding: 'utf8',
  });
  expect(res.status).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr).toContain('--tenant is required');
});

test('SIGTERM: requests stop, the process exits 0 and the port is closed', async () => {
  const svc = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'all' });
  const health = await fetch(svc.url.replace('/graphql', '/healthz'));
  expect(health.status).toBe(200);
  const result = await svc.stop('SIGTERM');
  expect(result).toEqual({ code: 0, signal: null });
  await expect(fetch(svc.url.replace('/graphql', '/healthz'))).rejects.toThrow();
});

// Only meaningful with the embedded server.
(embeddedTestServer() ? test : test.skip)('with nothing configured it starts its own database, prints a working key, and keeps data across restarts', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aijobs-start-'));
  const env = { DATA_DIR: dataDir, MONGODB_URI: '' };
  try {
    const first = await startServiceProcess(env, 120_000);
    const key = /Development API key \(tenant "development"\): (\S+)/.exec(first.stdout())?.[1];
    expect(key).toBeDefined();
    const viewer = await gql(first.url, key, '{ viewer { id name } }');
    expect(viewer.data.viewer.name).toBe('development');
    const submitted = await gql(first.url, key, 'mutation { submitJob(input: { kind: "chain", input: { steps: [{ name: "a", prompt: "x" }] } }) { id } }');
    expect((await first.stop()).code).toBe(0);

    const second = await startServiceProcess(env, 120_000);
    try {
      expect(second.stdout()).toContain(key!);
      const again = await gql(second.url, key, 'query($id: ID!) { viewer { id } job(id: $id) { id } }', { id: submitted.data.submitJob.id });
      expect(again.data.viewer.id).toBe(viewer.data.viewer.id);
      expect(again.data.job.id).toBe(submitted.data.submitJob.id);
    } finally {
      const stopped = await second.stop();
      if (stopped.code !== 0) console.log(second.stderr().slice(-3000));
      expect(stopped.code).toBe(0);
    }
    // The embedded database went down with the service: nothing is left running on its data.
    const leftover = spawnSync('pgrep', ['-f', dataDir], { encoding: 'utf8' });
    expect(leftover.stdout.trim()).toBe('');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 300_000);

test('npm run --silent cli prints the key as the only stdout line', () => {
  const res = spawnSync('npm', ['run', '--silent', 'cli', '--', 'create-api-key', '--tenant', 'via-npm'], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_ENV, MONGODB_URI: db.uri },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(res.status).toBe(0);
  expect(res.stdout.trim().split('\n')).toHaveLength(1);
  expect(res.stdout.trim()).toMatch(/^ak_/);
}, 150_000);

