/**
 * MCP tools for the `agent` kind (MCP_SERVERS), with the official SDK on both sides: a local
 * server over stdio (a child process running test/support/mcp-test-server.mjs) and one over
 * Streamable HTTP on 127.0.0.1. jobKinds lists their tools as `server.tool`; the model is
 * offered them as `server__tool` and calls them; each call really reaches the server (counted
 * in a file the server writes), once; an MCP tool error goes back to the model; a server that
 * cannot be started does not stop the service, and a job naming its tools is refused; the
 * stdio child ends when the service stops.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.js';
import { startOpenAiApp } from '../support/fake-openai-app.js';
import { gqlData } from '../support/graphql-client.js';
import { startHttpMcpServer } from '../support/mcp-test-server.mjs';
import { gqlErrors, waitForStatus } from './jobs-harness.js';

const SERVER_SCRIPT = resolve('test/support/mcp-test-server.mjs');
const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`;

let dir: string;
let callsFile: string;
let httpCallsFile: string;
let fake: FakeOpenAi;
let mcpHttp: { url: string; close(): Promise<void> };
let app: TestApp;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-mcp-'));
  callsFile = join(dir, 'stdio-calls.jsonl');
  httpCallsFile = join(dir, 'http-calls.jsonl');
  fake = await startFakeOpenAi();
  mcpHttp = await startHttpMcpServer({ callsFile: httpCallsFile });
  const servers = {
    handbook: { command: process.execPath, args: [SERVER_SCRIPT], env: { MCP_CALLS_FILE: callsFile } },
    remote: { url: mcpHttp.url },
    down: { command: join(dir, 'no-such-server') },
  };
  app = await startOpenAiApp(fake, { env: { MCP_SERVERS: JSON.stringify(servers), MCP_TIMEOUT: '20s' } });
});
afterEach(() => fake.reset());
afterAll(async () => {
  await app?.stop();
  await mcpHttp?.close();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

async function lines(file: string): Promise<any[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
const callsIn = async (file: string) => (await lines(file)).filter((l) => l.tool);
const offered = (r: RecordedRequest) => (r.body?.['tools'] as Array<{ function: { name: string; parameters: unknown } }>).map((t) => t.function);

test('jobKinds lists the tools of the servers that answered, as server.tool; the one that did not start is left out', async () => {
  const { jobKinds } = await gqlData(app.url, app.key, '{ jobKinds { name tools { name description parameters server } } }');
  const tools = jobKinds.find((k: { name: string }) => k.name === 'agent').tools;
  expect(tools.map((t: any) => [t.name, t.server])).toEqual([
    ['handbook.search', 'handbook'],
    ['handbook.echo', 'handbook'],
    ['handbook.fail', 'handbook'],
    ['remote.search', 'remote'],
    ['remote.echo', 'remote'],
    ['remote.fail', 'remote'],
  ]);
  // The schema as the server gave it, less its $schema line.
  expect(tools[0]).toMatchObject({ description: 'Searches the handbook.', parameters: { type: 'object', required: ['query'] } });
  expect(tools[0].parameters.$schema).toBeUndefined();
});

test('a tool of a local MCP server over stdio is called: offered as handbook__search, run once by the child, its result back to the model', async () => {
  fake.script([
    { toolCalls: [{ id: 's1', name: 'handbook__search', arguments: { query: 'holidays' } }] },
    // Invalid arguments never reach the server: the model is told.
    { toolCalls: [{ id: 's2', name: 'handbook__search', arguments: { limit: 2 } }] },
    { text: 'Page 7 of the handbook covers holidays.' },
  ]);
  const input = { prompt: 'Where are holidays described?', tools: ['handbook.search'] };
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, { input: { kind: 'agent', input } });
  const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, 'status result error { code message } events { agent { phase tool result } }');
  expect(job.error).toBeNull();
  expect(offered(fake.requests[0]!)).toEqual([{ name: 'handbook__search', description: 'Searches the handbook.', parameters: expect.objectContaining({ required: ['query'] }) }]);
  expect(job.result.toolCalls).toEqual([
    { name: 'handbook.search', args: { query: 'holidays' }, result: { via: 'stdio', hits: [{ title: 'Handbook: holidays', page: 7 }] }, turn: 1 },
    expect.objectContaining({ name: 'handbook.search', error: 'invalid arguments for "handbook__search": arguments must have property "query"', turn: 2 }),
  ]);
  // The structured result went back to the model as the tool message.
  const toolMessage = (fake.requests[1]!.body!['messages'] as Array<{ role: string; content: string }>).find((m) => m.role === 'tool');
  expect(JSON.parse(toolMessage!.content)).toEqual({ via: 'stdio', hits: [{ title: 'Handbook: holidays', page: 7 }] });
  expect(await callsIn(callsFile)).toEqual([{ label: 'stdio', tool: 'search', args: { query: 'holidays' } }]);
  expect(job.events.filter((e: any) => e.agent?.phase === 'tool').map((e: any) => e.agent.tool)).toEqual(['handbook.search', 'handbook.search']);
});

test('a tool over Streamable HTTP is called, and an MCP tool error goes back to the model', async () => {
  fake.script([
    {
      toolCalls: [
        { id: 'h1', name: 'remote__echo', arguments: { text: 'hello' } },
        { id: 'h2', name: 'handbook__fail', arguments: {} },
      ],
    },
    { text: 'Done.' },
  ]);
  const input = { prompt: 'Say hello.', tools: ['remote.echo', 'handbook.fail'] };
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, { input: { kind: 'agent', input } });
  const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, 'status result error { code message }');
  expect(job.error).toBeNull();
  expect(job.result.toolCalls.map((c: any) => [c.name, c.result])).toEqual([
    ['remote.echo', 'http says hello'],
    ['handbook.fail', { error: 'the tool failed: the handbook index is offline' }],
  ]);
  const told = (fake.requests[1]!.body!['messages'] as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool').map((m) => m.content);
  expect(told).toEqual(['http says hello', JSON.stringify({ error: 'the tool failed: the handbook index is offline' })]);
  expect(await callsIn(httpCallsFile)).toEqual([{ label: 'http', tool: 'echo', args: { text: 'hello' } }]);
});

test("a job naming a tool of a server that is not reachable, or one the server does not have, is refused on submit", async () => {
  const down = await gqlErrors(app, SUBMIT, { input: { kind: 'agent', input: { prompt: 'p', tools: ['handbook.echo', 'down.anything'] } } });
  expect(down[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', path: ['input', 'input', 'tools', 1] } });
  expect(down[0].message).toContain('"down.anything" cannot be checked: MCP server "down" cannot be reached');
  const missing = await gqlErrors(app, SUBMIT, { input: { kind: 'agent', input: { prompt: 'p', tools: ['handbook.delete_everything'] } } });
  expect(missing[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', path: ['input', 'input', 'tools', 0] } });
  expect(missing[0].message).toContain('"handbook.delete_everything" is not a registered tool; the tools are handbook.search,');
  expect(fake.requests).toHaveLength(0);
});

test('stopping the service ends the stdio server it started', async () => {
  const pids = (await lines(callsFile)).filter((l) => l.pid).map((l) => l.pid as number);
  expect(pids).toHaveLength(1);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  expect(alive(pids[0]!)).toBe(true);
  await app.stop();
  app = undefined as unknown as TestApp;
  await eventually(async () => !alive(pids[0]!), 'the stdio MCP server to exit', 15_000);
});
