/**
 * JOB_KINDS_MODULE in real processes (`node dist/main.js`): a bad module stops start-up with
 * one line on stderr naming the module (resolved from the working directory) and the problem,
 * before any database is needed; a good one, which imports `defineJobKind` from 'ai-jobs',
 * is loaded by an API process that validates a kind's input and a worker process that runs
 * it. Needs `npm run build` (npm test does it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_ENV } from '../../support/app.js';
import { createTestDb, type TestDb } from '../../support/db.js';
import { within } from '../../support/eventually.js';
import { gql, gqlData } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { waitForStatus } from '../jobs-harness.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinds-process-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the service in `cwd` until it exits; nothing listens at MONGODB_URI, so getting past the kinds would fail differently. */
async function runUntilExit(cwd: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...TEST_ENV, MONGODB_URI: 'mongodb://127.0.0.1:9/none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await within(new Promise<number | null>((r) => child.once('exit', r)), 20_000, 'the process to exit').finally(() => child.kill('SIGKILL'));
  return { code, stderr, stdout };
}

test.each([
  ['clash.mjs', `export default [{ kind: 'chain', inputSchema: {}, steps: () => [] }];`, 'definition 1 of 1 ("chain"): "chain" is a built-in kind and cannot be replaced'],
  ['broken.mjs', `import './missing-helper.mjs';\nexport default [];`, 'cannot be loaded: Cannot find module'],
])('a bad module (%s) stops start-up with one line naming it and the problem', async (file, source, problem) => {
  await writeFile(join(dir, file), source);
  // A relative path: resolved from the process's working directory.
  const { code, stderr, stdout } = await runUntilExit(dir, { JOB_KINDS_MODULE: file });
  expect(code).toBe(1);
  expect(stdout).toBe('');
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`configuration error: JOB_KINDS_MODULE ${join(dir, file)}: ${problem}`);
});

test("the package entry point is 'ai-jobs': defineJobKind, and a compiled file that imports nothing", async () => {
  const res = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { defineJobKind } from 'ai-jobs'; const d = { kind: 'k' }; console.log(typeof defineJobKind, defineJobKind(d) === d);`],
    { cwd: ROOT, encoding: 'utf8', timeout: 20_000 },
  );
  expect(res.stderr).toBe('');
  expect(res.stdout.trim()).toBe('function true');
  // Free of side effects: it loads no module at all (types are erased at build).
  const compiled = await readFile(join(ROOT, 'dist', 'index.js'), 'utf8');
  expect(compiled).not.toMatch(/^\s*(import|export \* from|export \{[^}]*\} from)\b/m);
});

describe('a good module in an API process and a worker process', () => {
  let db: TestDb;
  let key: string;
  const processes: ServiceProcess[] = [];
  const env = () => ({ MONGODB_URI: db.uri, JOB_KINDS_MODULE: 'test/jobs/pipelines/fixtures/typed-kinds.mjs' });

  beforeAll(async () => {
    db = await createTestDb('kinds_process');
    const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'create-api-key', '--tenant', 'kinds'], {
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: db.uri },
      encoding: 'utf8',
      timeout: 30_000,
    });
    key = res.stdout.trim();
    processes.push(await startServiceProcess({ ...env(), ROLE: 'api' }));
    processes.push(await startServiceProcess({ ...env(), ROLE: 'worker' }));
  });
  afterAll(async () => {
    for (const p of processes) expect((await p.stop()).code).toBe(0);
    await db?.close();
  });

  test('the API lists and validates the kinds; the worker runs them (offline provider)', async () => {
    const app = { url: processes[0]!.url, key };
    const { jobKinds } = await gqlData(app.url, key, '{ jobKinds { name steps } }');
    expect(jobKinds).toEqual(expect.arrayContaining([{ name: 'ticket.triage', steps: ['classify', 'draft'] }, { name: 'text.upper', steps: ['upper'] }]));

    const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`;
    const bad = await gql(app.url, key, SUBMIT, { input: { kind: 'text.upper', input: { text: 3 } } });
    expect(bad.errors?.[0]).toMatchObject({ message: 'input.input.text: must be string', extensions: { code: 'BAD_USER_INPUT', path: ['input', 'input', 'text'] } });

    const upper = await gqlData(app.url, key, SUBMIT, { input: { kind: 'text.upper', input: { text: 'quiet please' } } });
    const triage = await gqlData(app.url, key, SUBMIT, { input: { kind: 'ticket.triage', input: { subject: 'Login fails', body: 'I cannot sign in since this morning.' } } });
    const fields = 'status result error { code message }';
    expect(await waitForStatus(app, upper.submitJob.id, ['SUCCEEDED', 'FAILED'], 20_000, fields)).toMatchObject({
      status: 'SUCCEEDED',
      // The offline stand-in says so in every result.
      result: { text: 'QUIET PLEASE', offline: true },
      error: null,
    });
    const ticket = await waitForStatus(app, triage.submitJob.id, ['SUCCEEDED', 'FAILED'], 20_000, fields);
    expect(ticket).toMatchObject({ status: 'SUCCEEDED', result: { category: 'other', priority: 'normal', reply: expect.any(String), offline: true } });
  });
});
