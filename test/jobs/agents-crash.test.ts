/**
 * An agent's worker killed (SIGKILL) after its second tool call, while its next model turn is
 * in flight: another worker takes the job over once the dead one's lease lapses and resumes
 * at that turn. Each tool's side effect (a POST to a receiver here) happened exactly once, and
 * the fake OpenAI server was never asked again for a turn it had answered. The workers are
 * real processes (test/support/agent-worker.mjs, the service's worker with one test kind).
 * Needs `npm run build` (npm test does it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Pipeline } from '../../src/jobs/pipelines/kind.js';
import { defaultJobKinds } from '../../src/jobs/pipelines/index.js';
import { JobKinds } from '../../src/jobs/pipelines/registry.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { countingAgentKind } from '../support/counting-agent-kind.mjs';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.js';
import { gqlData } from '../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitForStatus } from './jobs-harness.js';

interface SideEffect {
  tool: string;
  args: unknown;
  callId: string;
}

let fake: FakeOpenAi;
let api: TestApp;
let receiver: http.Server;
let receiverUrl: string;
const effects: SideEffect[] = [];
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
  api = await startTestApp({ role: 'api', kinds: new JobKinds([...defaultJobKinds().all(), countingAgentKind] as unknown as Pipeline<never>[]) });
  // The tools' side effect: one POST each, counted here.
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const effect = JSON.parse(body) as SideEffect;
      effects.push(effect);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ counted: effect.tool, total: effects.filter((e) => e.tool === effect.tool).length }));
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/effects`;
});
afterAll(async () => {
  await Promise.allSettled(workers.splice(0).map((w) => w.stop('SIGKILL')));
  await api?.stop();
  await fake?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

function startWorker(apiKey: string, lease: string): Promise<ServiceProcess> {
  return startServiceProcess(
    {
      MONGODB_URI: api.db.uri,
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: apiKey,
      JOB_LEASE: lease,
      SIDE_EFFECT_URL: receiverUrl,
    },
    30_000,
    'test/support/agent-worker.mjs',
  ).then((w) => {
    workers.push(w);
    return w;
  });
}

const from = (key: string) => (r: RecordedRequest) => r.headers.authorization === `Bearer ${key}`;
/** Which turn a request is: the tool answers it carries (turn 1 has none). */
const toolAnswers = (r: RecordedRequest) => ((r.body?.messages ?? []) as Array<{ role: string }>).filter((m) => m.role === 'tool').length;
const answered = (r: RecordedRequest) => r.endedAt !== undefined && !r.clientClosed;

test('SIGKILL after the second tool call: the other worker resumes at turn 3, no tool runs twice, no turn is paid twice', async () => {
  // Turn 1 calls count_a, turn 2 count_b; worker A's turn 3 never gets an answer.
  fake.onRequest((req) => {
    const turn = toolAnswers(req) + 1;
    if (turn === 1) return { toolCalls: [{ name: 'count_a', arguments: { n: 1 } }] };
    if (turn === 2) return { toolCalls: [{ name: 'count_b', arguments: { n: 2 } }] };
    return from('worker-a')(req) ? { hang: true } : { text: 'Counted both.' };
  });
  const a = await startWorker('worker-a', '3s');
  const { submitJob } = await gqlData(api.url, api.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, {
    input: { kind: 'test.counting-agent', input: { prompt: 'Count a, then b.' } },
  });
  const id = submitJob.id as string;

  // A's third turn is in flight: both tool outcomes were checkpointed before it was asked.
  await fake.waitFor(() => fake.requests.some((r) => from('worker-a')(r) && toolAnswers(r) === 2), 30_000);
  expect(effects.map((e) => e.tool)).toEqual(['count_a', 'count_b']);
  const killed = await a.stop('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');

  // B's lease is longer, so that a loaded machine does not make it lose the job as well.
  await startWorker('worker-b', '10s');
  const job = await waitForStatus(api, id, ['SUCCEEDED', 'FAILED'], 60_000, 'status attempt result error { code message } usage { calls } steps { name status attempts }');
  expect(job.error).toBeNull();
  expect(job.status).toBe('SUCCEEDED');

  // Each tool's side effect happened once, whichever worker ran the job.
  expect(effects.map((e) => e.tool)).toEqual(['count_a', 'count_b']);
  expect(job.result).toEqual({
    text: 'Counted both.',
    turns: 3,
    toolCalls: [
      { name: 'count_a', args: { n: 1 }, result: { counted: 'count_a', total: 1 }, turn: 1 },
      { name: 'count_b', args: { n: 2 }, result: { counted: 'count_b', total: 1 }, turn: 2 },
    ],
  });
  // The answered turns were asked for once; B asked only for the turn A never got.
  for (const turn of [1, 2]) {
    const asked = fake.requests.filter((r) => toolAnswers(r) + 1 === turn);
    expect(asked).toHaveLength(1);
    expect(asked.every(answered)).toBe(true);
  }
  expect(fake.requests.filter(from('worker-b')).map((r) => toolAnswers(r) + 1)).toEqual([3]);
  // B resumed the same attempt (a takeover, not a retry) and was paid for one turn: three in all.
  expect(job.attempt).toBe(1);
  expect(job.usage.calls).toBe(3);
  expect(job.steps).toEqual([{ name: 'act', status: 'SUCCEEDED', attempts: 2 }]);
  // B's side of the conversation replayed A's tool results: same call ids, same answers.
  const b3 = fake.requests.find(from('worker-b'))!;
  const replayed = (b3.body!.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content));
  expect(replayed).toEqual([{ counted: 'count_a', total: 1 }, { counted: 'count_b', total: 1 }]);
}, 120_000);
