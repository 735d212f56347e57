/**
 * The agent kind in a real process (`node dist/main.js`, ROLE=all, no AI key: the offline
 * provider), as `JOB_KINDS_MODULE=examples/kinds/index.mjs npm start` runs it, with an MCP
 * server over stdio: a job naming a module tool and an MCP tool runs end to end; SIGTERM
 * drains, closes the MCP connection (its child ends) and exits 0. A malformed MCP_SERVERS
 * stops start-up with one line. Needs `npm run build` (npm test does it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_ENV } from '../support/app.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { gqlData } from '../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitForStatus } from './jobs-harness.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

test('a malformed MCP_SERVERS stops start-up with one line naming the variable and the server, not the value', () => {
  const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...TEST_ENV, MONGODB_URI: 'mongodb://127.0.0.1:9/none', MCP_SERVERS: '{"crm":{"url":"https://tickets.internal/mcp?token=abc","headers":{"authorization":42}}}' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(res.status).toBe(1);
  const lines = res.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^configuration error: MCP_SERVERS=.*server "crm": "headers" must be an object of strings$/);
  expect(lines[0]).not.toContain('tickets.internal');
});

describe('npm start with the example module and a stdio MCP server, no AI key', () => {
  let db: TestDb;
  let dir: string;
  let service: ServiceProcess;
  let key: string;

  beforeAll(async () => {
    db = await createTestDb('agent_process');
    dir = await mkdtemp(join(tmpdir(), 'agent-process-'));
    const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'create-api-key', '--tenant', 'agents'], {
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: db.uri },
      encoding: 'utf8',
      timeout: 30_000,
    });
    key = res.stdout.trim();
    const servers = { handbook: { command: process.execPath, args: ['test/support/mcp-test-server.mjs'], env: { MCP_CALLS_FILE: join(dir, 'calls.jsonl') } } };
    service = await startServiceProcess({ MONGODB_URI: db.uri, JOB_KINDS_MODULE: 'examples/kinds/index.mjs', MCP_SERVERS: JSON.stringify(servers) });
  });
  afterAll(async () => {
    if (service?.child.exitCode === null) await service.stop();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an agent job with a module tool and an MCP tool succeeds; SIGTERM closes the MCP server and exits 0', async () => {
    const app = { url: service.url, key };
    const input = { prompt: 'Where is my order?', tools: ['lookup_order', 'handbook.echo'] };
    const { submitJob } = await gqlData(app.url, key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, { input: { kind: 'agent', input } });
    const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, 'status result error { code message }');
    expect(job).toMatchObject({ status: 'SUCCEEDED', error: null, result: { turns: 3, offline: true } });
    expect(job.result.toolCalls.map((c: any) => [c.name, c.result])).toEqual([
      ['lookup_order', expect.objectContaining({ orderId: 'A-1001', status: 'shipped' })],
      ['handbook.echo', 'stdio says Where is my order?'],
    ]);

    const log = (await readFile(join(dir, 'calls.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const pid = log.find((l) => l.pid)!.pid as number;
    expect(log.filter((l) => l.tool)).toEqual([{ label: 'stdio', tool: 'echo', args: { text: 'Where is my order?' } }]);
    expect((await service.stop('SIGTERM')).code).toBe(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(async () => !alive(), 'the stdio MCP server to exit', 15_000);
  });
});
