/**
 * ctx.agent against the fake OpenAI server: a run with two tools that completes, a tool that
 * throws and a call with invalid arguments going back to the model as errors, maxTurns giving
 * AGENT_MAX_TURNS (not retried), the turns and tool calls in the job's events, and the offline
 * provider calling each tool once. The crash case (SIGKILL) is agents-crash.test.ts.
 */
import type { AgentTool } from '../../src/jobs/agents/index.js';
import type { Pipeline } from '../../src/jobs/pipelines/kind.js';
import { defaultJobKinds } from '../../src/jobs/pipelines/index.js';
import { JobKinds } from '../../src/jobs/pipelines/registry.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startOpenAiApp } from '../support/fake-openai-app.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.js';
import { gqlData } from '../support/graphql-client.js';
import { waitForStatus } from './jobs-harness.js';

/** What the tools did in this process, by tool name. */
const ran: Record<string, unknown[]> = {};
const note = (name: string, args: unknown) => (ran[name] ??= []).push(args);

const tools: AgentTool[] = [
  {
    name: 'lookup_price',
    description: 'The price of a product in USD.',
    parameters: { type: 'object', properties: { product: { type: 'string' } }, required: ['product'], additionalProperties: false },
    run: (args: { product: string }) => {
      note('lookup_price', args);
      return { product: args.product, usd: args.product === 'tea' ? 4 : 7 };
    },
  },
  {
    name: 'add',
    description: 'Adds two numbers.',
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    run: (args: { a: number; b: number }) => {
      note('add', args);
      return args.a + args.b;
    },
  },
  {
    name: 'explode',
    description: 'Always fails.',
    parameters: { type: 'object', properties: {} },
    run: () => {
      note('explode', {});
      throw new Error('the warehouse is closed');
    },
  },
];

interface AgentInput {
  prompt: string;
  maxTurns: number;
}

const agentKind: Pipeline<AgentInput> = {
  kind: 'test.agent',
  description: 'An agent with test tools.',
  stepNames: ['act'],
  inputSchema: { type: 'object', properties: { prompt: { type: 'string' }, maxTurns: { type: 'integer' } }, required: ['prompt', 'maxTurns'] },
  options: [],
  steps: () => [{ name: 'act', run: (ctx) => ctx.agent('main', { system: 'You shop.', prompt: ctx.input.prompt, tools, maxTurns: ctx.input.maxTurns }) }],
  result: (outputs) => outputs['act'],
};

const kinds = () => new JobKinds([...defaultJobKinds().all(), agentKind] as unknown as Pipeline<never>[]);

let fake: FakeOpenAi;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  app = await startOpenAiApp(fake, { kinds: kinds() });
});
afterEach(() => {
  fake.reset();
  for (const name of Object.keys(ran)) delete ran[name];
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

async function submitAgent(a: TestApp, prompt: string, maxTurns: number, maxAttempts = 3): Promise<string> {
  const { submitJob } = await gqlData(a.url, a.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, {
    input: { kind: 'test.agent', input: { prompt, maxTurns }, maxAttempts },
  });
  return submitJob.id as string;
}

const AGENT_EVENTS = `events { type message agent { agent turn phase tool arguments result error durationMs } }`;

type SentMessage = { role: string; content: unknown; tool_calls?: Array<{ id: string; function: { name: string } }>; tool_call_id?: string };
const messagesOf = (r: RecordedRequest) => (r.body?.messages ?? []) as SentMessage[];
/** The step's own message within the job's ("Step 1 of 1: …"). */
const stepMessage = (message: string) => message.replace(/^Step \d+ of \d+: /, '');
const toolMessages = (r: RecordedRequest) => messagesOf(r).filter((m) => m.role === 'tool');

test('an agent with two tools completes: every turn is asked with the tools and the results so far', async () => {
  fake.script([
    { toolCalls: [{ id: 'c1', name: 'lookup_price', arguments: { product: 'tea' } }] },
    { toolCalls: [{ id: 'c2', name: 'add', arguments: { a: 4, b: 3 } }] },
    { text: 'Tea and cake cost 7 USD.' },
  ]);
  const id = await submitAgent(app, 'What do tea and cake cost together?', 5);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000, `status result error { code message } usage { calls } ${AGENT_EVENTS}`);
  expect(job.error).toBeNull();
  expect(job.status).toBe('SUCCEEDED');
  expect(job.result).toEqual({
    text: 'Tea and cake cost 7 USD.',
    turns: 3,
    toolCalls: [
      { name: 'lookup_price', args: { product: 'tea' }, result: { product: 'tea', usd: 4 }, turn: 1 },
      { name: 'add', args: { a: 4, b: 3 }, result: 7, turn: 2 },
    ],
  });
  expect(ran).toEqual({ lookup_price: [{ product: 'tea' }], add: [{ a: 4, b: 3 }] });
  expect(job.usage.calls).toBe(3);

  const turns = fake.requests;
  expect(turns).toHaveLength(3);
  // Chat Completions tools, and the conversation growing by the assistant's call and the tool's answer.
  expect((turns[0]!.body!['tools'] as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual(['lookup_price', 'add', 'explode']);
  expect(messagesOf(turns[0]!).map((m) => m.role)).toEqual(['system', 'user']);
  expect(messagesOf(turns[1]!).map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
  expect(messagesOf(turns[1]!)[2]!.tool_calls![0]!.function.name).toBe('lookup_price');
  expect(toolMessages(turns[1]!)[0]).toMatchObject({ tool_call_id: 'c1', content: JSON.stringify({ product: 'tea', usd: 4 }) });
  expect(toolMessages(turns[2]!).map((m) => m.content)).toEqual([JSON.stringify({ product: 'tea', usd: 4 }), '7']);

  // Each turn and each tool call is an event with its activity.
  const agentEvents = (job.events as any[]).filter((e) => e.agent);
  expect(agentEvents.map((e) => stepMessage(e.message))).toEqual([
    'turn 1: calling lookup_price',
    'turn 1: lookup_price returned',
    'turn 2: calling add',
    'turn 2: add returned',
    'turn 3: answered',
  ]);
  expect(agentEvents.every((e) => e.type === 'STEP_PROGRESS')).toBe(true);
  expect(agentEvents[1].agent).toMatchObject({ agent: 'main', turn: 1, phase: 'tool', tool: 'lookup_price', arguments: { product: 'tea' }, result: { product: 'tea', usd: 4 }, error: null });
  expect(agentEvents[1].agent.durationMs).toBeGreaterThanOrEqual(0);
});

test('a tool that throws, invalid arguments and an unknown tool go back to the model as errors', async () => {
  fake.script([
    {
      toolCalls: [
        { id: 'x1', name: 'explode', arguments: {} },
        { id: 'x2', name: 'add', arguments: { a: 'one', b: 2 } },
        { id: 'x3', name: 'add', arguments: '{"a": 1,' },
        { id: 'x4', name: 'teleport', arguments: {} },
      ],
    },
    { text: 'I could not do it.' },
  ]);
  const id = await submitAgent(app, 'Try hard.', 3);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000, `status result error { code message } ${AGENT_EVENTS}`);
  expect(job.error).toBeNull();
  expect(job.result.text).toBe('I could not do it.');
  // The tool that throws ran once; `add` never ran with arguments its schema refuses.
  expect(ran).toEqual({ explode: [{}] });
  const told = toolMessages(fake.requests[1]!).map((m) => [m.tool_call_id, JSON.parse(m.content as string).error]);
  expect(told).toEqual([
    ['x1', 'the tool failed: the warehouse is closed'],
    ['x2', 'invalid arguments for "add": arguments.a must be number'],
    ['x3', 'the arguments of "add" are not valid JSON'],
    ['x4', 'there is no tool named "teleport"; the tools are: lookup_price, add, explode'],
  ]);
  expect(job.result.toolCalls.map((c: any) => [c.name, c.error])).toEqual([
    ['explode', 'the tool failed: the warehouse is closed'],
    ['add', 'invalid arguments for "add": arguments.a must be number'],
    ['add', 'the arguments of "add" are not valid JSON'],
    ['teleport', 'there is no tool named "teleport"; the tools are: lookup_price, add, explode'],
  ]);
  const failed = (job.events as any[]).filter((e) => e.agent?.phase === 'tool');
  expect(failed.map((e) => e.agent.error)).toEqual(job.result.toolCalls.map((c: any) => c.error));
  expect(stepMessage(failed[0].message)).toBe('turn 1: explode failed: the tool failed: the warehouse is closed');
});

test('maxTurns reached while the model still calls tools: AGENT_MAX_TURNS, not retried', async () => {
  fake.onRequest(() => ({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] }));
  const id = await submitAgent(app, 'Loop forever.', 2, 3);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000, 'status attempt error { code message retryable step }');
  expect(job.status).toBe('FAILED');
  expect(job.attempt).toBe(1);
  expect(job.error).toMatchObject({ code: 'AGENT_MAX_TURNS', retryable: false, step: 'act' });
  expect(job.error.message).toContain('maxTurns (2)');
  expect(fake.requests).toHaveLength(2);
  expect(ran['add']).toHaveLength(2);
});

test('the offline provider calls each tool once with arguments made from its schema, then answers', async () => {
  const offline = await startTestApp({ kinds: kinds() });
  try {
    const id = await submitAgent(offline, 'tea', 5);
    const job = await waitForStatus(offline, id, ['SUCCEEDED', 'FAILED'], 30_000, 'status result error { code message }');
    expect(job.error).toBeNull();
    expect(job.result.turns).toBe(4);
    expect(job.result.toolCalls.map((c: any) => [c.name, c.args])).toEqual([
      ['lookup_price', { product: 'tea' }],
      ['add', { a: 1, b: 1 }],
      ['explode', {}],
    ]);
    expect(job.result.text).toMatch(/^\[offline\] from the tools: lookup_price → /);
  } finally {
    await offline.stop();
  }
});
