/**
 * The `agent` kind over GraphQL with the example module's tools (JOB_KINDS_MODULE=
 * examples/kinds/index.mjs): jobKinds lists the registered tools; a job naming two of them
 * runs against the fake OpenAI server, which is offered exactly those tools and calls them;
 * a name that was not registered, or a malformed tools list, is refused on submit with
 * BAD_USER_INPUT naming the entry, before any AI call. And the offline provider runs the
 * example agent end to end without a key, as `npm start` does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp } from '../support/app.js';
import type { FakeOpenAi, RecordedRequest } from '../support/fake-openai.js';
import { startOpenAiApp, useFakeOpenAiApp } from '../support/fake-openai-app.js';
import { gqlData } from '../support/graphql-client.js';
import { gqlErrors, waitForStatus } from './jobs-harness.js';

const EXAMPLE_ENV = { JOB_KINDS_MODULE: 'examples/kinds/index.mjs' };
const started = useFakeOpenAiApp({ env: EXAMPLE_ENV });
let fake: FakeOpenAi;

const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id status } }`;
const RESULT_FIELDS = 'status result error { code message } usage { calls } events { type message agent { turn phase tool arguments result error } }';

beforeAll(() => {
  fake = started.fake;
});
afterEach(() => fake.reset());

const offered = (r: RecordedRequest) => (r.body?.['tools'] as Array<{ function: { name: string; parameters: unknown } }>).map((t) => t.function);

test('jobKinds lists the agent kind with the tools a job may name', async () => {
  const { jobKinds } = await gqlData(started.app.url, started.app.key, '{ jobKinds { name steps inputSchema tools { name description parameters server } } }');
  const agent = jobKinds.find((k: { name: string }) => k.name === 'agent');
  expect(agent.steps).toEqual(['agent']);
  expect(agent.inputSchema).toMatchObject({ required: ['prompt', 'tools'], properties: { tools: { type: 'array', minItems: 1 } } });
  expect(agent.tools).toEqual([
    { name: 'lookup_order', description: expect.stringContaining('order'), parameters: expect.objectContaining({ required: ['orderId'] }), server: null },
    { name: 'search_help_center', description: expect.stringContaining('help centre'), parameters: expect.objectContaining({ required: ['query'] }), server: null },
  ]);
  // Other kinds name no tools.
  expect(jobKinds.find((k: { name: string }) => k.name === 'chain').tools).toEqual([]);
});

test('an agent job runs the tools it names: offered to the model, called, results back, every step in the events', async () => {
  fake.script([
    { toolCalls: [{ id: 'c1', name: 'lookup_order', arguments: { orderId: 'A-1001' } }] },
    { toolCalls: [{ id: 'c2', name: 'lookup_order', arguments: { orderId: 'A-9999' } }] },
    { text: 'Your order A-1001 has shipped with DHL.' },
  ]);
  const input = { prompt: 'Where is my order A-1001?', system: 'You are a support agent.', tools: ['lookup_order'], maxTurns: 4 };
  const { submitJob } = await gqlData(started.app.url, started.app.key, SUBMIT, { input: { kind: 'agent', input } });
  const job = await waitForStatus(started.app, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, RESULT_FIELDS);
  expect(job.error).toBeNull();
  expect(job.result).toEqual({
    text: 'Your order A-1001 has shipped with DHL.',
    turns: 3,
    toolCalls: [
      { name: 'lookup_order', args: { orderId: 'A-1001' }, result: expect.objectContaining({ orderId: 'A-1001', status: 'shipped' }), turn: 1 },
      // The tool threw: the model was told, and the job went on.
      { name: 'lookup_order', args: { orderId: 'A-9999' }, result: { error: 'the tool failed: there is no order A-9999' }, error: 'the tool failed: there is no order A-9999', turn: 2 },
    ],
  });
  expect(job.usage.calls).toBe(3);
  // Only the named tool is offered, with the module's schema; the system message comes first.
  expect(offered(fake.requests[0]!)).toEqual([{ name: 'lookup_order', description: expect.any(String), parameters: expect.objectContaining({ required: ['orderId'] }) }]);
  expect((fake.requests[0]!.body!['messages'] as Array<{ role: string; content: string }>).slice(0, 2)).toEqual([
    { role: 'system', content: 'You are a support agent.' },
    { role: 'user', content: 'Where is my order A-1001?' },
  ]);
  const tools = (job.events as any[]).filter((e) => e.agent?.phase === 'tool').map((e) => [e.agent.turn, e.agent.tool, e.agent.arguments, e.agent.error]);
  expect(tools).toEqual([
    [1, 'lookup_order', { orderId: 'A-1001' }, null],
    [2, 'lookup_order', { orderId: 'A-9999' }, 'the tool failed: there is no order A-9999'],
  ]);
});

test.each([
  [{ prompt: 'p', tools: ['lookup_order', 'send_refund'] }, ['input', 'input', 'tools', 1], '"send_refund" is not a registered tool; the tools are lookup_order, search_help_center'],
  [{ prompt: 'p', tools: ['docs.search'] }, ['input', 'input', 'tools', 0], '"docs.search" is not a registered tool'],
  [{ prompt: 'p', tools: [] }, ['input', 'input', 'tools'], 'must NOT have fewer than 1 items'],
  [{ prompt: 'p', tools: ['lookup_order', 'lookup_order'] }, ['input', 'input', 'tools'], 'must NOT have duplicate items'],
  [{ prompt: 'p' }, ['input', 'input', 'tools'], 'is required'],
  [{ prompt: 'p', tools: ['lookup_order'], maxTurns: 0 }, ['input', 'input', 'maxTurns'], 'must be >= 1'],
])('%j is refused on submit, naming the entry, before any AI call', async (input, path, message) => {
  const errors = await gqlErrors(started.app, SUBMIT, { input: { kind: 'agent', input } });
  expect(errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', path } });
  expect(errors[0].message).toContain(message);
  expect(fake.requests).toHaveLength(0);
});

test('the offline provider runs the example agent end to end without a key', async () => {
  const offline = await startTestApp({ env: EXAMPLE_ENV });
  try {
    const input = { prompt: 'Where is my order?', tools: ['lookup_order', 'search_help_center'] };
    const { submitJob } = await gqlData(offline.url, offline.key, SUBMIT, { input: { kind: 'agent', input } });
    const job = await waitForStatus(offline, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, 'status result error { code message }');
    expect(job.error).toBeNull();
    expect(job.result).toMatchObject({ turns: 3, offline: true });
    // Each tool once, with arguments made from its schema (the order id from its examples).
    expect(job.result.toolCalls.map((c: any) => [c.name, c.args, c.error ?? null])).toEqual([
      ['lookup_order', { orderId: 'A-1001' }, null],
      ['search_help_center', { query: 'Where is my order?' }, null],
    ]);
    expect(job.result.toolCalls[1].result[0]).toMatchObject({ title: 'Where is my order?' });
    expect(job.result.text).toMatch(/^\[offline\] from the tools: lookup_order → .*shipped/);
  } finally {
    await offline.stop();
  }
});

test('AGENT_TOOL_TIMEOUT bounds a module tool that never finishes: its signal is aborted and the model is told', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agent-kind-'));
  const module = join(dir, 'slow-tools.mjs');
  await writeFile(
    module,
    `export const tools = [{ name: 'wait_forever', description: 'Never finishes.', parameters: { type: 'object' },
      run: (_args, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) }];`,
  );
  const slow = await startOpenAiApp(fake, { env: { JOB_KINDS_MODULE: module, AGENT_TOOL_TIMEOUT: '300ms' } });
  try {
    fake.script([{ toolCalls: [{ id: 'w1', name: 'wait_forever', arguments: {} }] }, { text: 'It took too long.' }]);
    const { submitJob } = await gqlData(slow.url, slow.key, SUBMIT, { input: { kind: 'agent', input: { prompt: 'Wait.', tools: ['wait_forever'] } } });
    const job = await waitForStatus(slow, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, 'status result error { code message }');
    expect(job.error).toBeNull();
    expect(job.result.toolCalls).toEqual([expect.objectContaining({ name: 'wait_forever', error: 'the tool did not finish within 300 ms (AGENT_TOOL_TIMEOUT)' })]);
  } finally {
    await slow.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
