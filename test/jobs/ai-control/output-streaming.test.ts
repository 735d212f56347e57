/**
 * Live output across OS processes: a worker process streams a step's answer from the fake
 * OpenAI server (one word per 80 ms) while subscribers on an API process — another
 * process — receive it before the step ends; a subscriber that joins late first gets the
 * text so far; the stored output equals the streamed text; the live document is removed
 * once the call is over; another tenant's job is NOT_FOUND.
 */
import type { Client } from 'graphql-ws';
import { createTestDb, type TestDb } from '../../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { collect, gqlData, pollUntil, wsClient } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { newKey, stopAll, submitChain } from '../live/subscriptions-harness.js';

const WAIT = 30_000;
const JOB_OUTPUT = 'subscription($jobId: ID!) { jobOutput(jobId: $jobId) { jobId step call chunk delta text done } }';

interface Out {
  jobId: string;
  step: string;
  call: string;
  chunk: number;
  delta: string;
  text: string;
  done: boolean;
}

let db: TestDb | undefined;
let fake: FakeOpenAi | undefined;
let api: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let key: string;
const clients: Client[] = [];
const ANSWER = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + '.';

beforeAll(async () => {
  db = await createTestDb('ai_stream');
  fake = await startFakeOpenAi();
  fake.onRequest((req) => (JSON.stringify(req.body?.messages).includes('STREAM_ME') ? { text: ANSWER, chunkDelayMs: 80 } : undefined));
  api = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'api', STREAM_POLL_INTERVAL: '100ms' });
  worker = await startServiceProcess({
    MONGODB_URI: db.uri,
    ROLE: 'worker',
    JOB_LEASE: '30s',
    STREAM_FLUSH_INTERVAL: '200ms',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test',
  });
  key = await newKey(db, 'streamer');
}, 90_000);

afterAll(async () => {
  await stopAll(clients, [api, worker]);
  await fake?.close();
  await db?.close();
}, 60_000);

function client(): Client {
  const c = wsClient(api!.url, key);
  clients.push(c);
  return c;
}

test('the answer streams to subscribers on another process before the step ends; a late subscriber gets the text so far', async () => {
  const jobId = await submitChain(api!.url, key, ['Please STREAM_ME now.']);
  const early = collect<Out>(client(), JOB_OUTPUT, { jobId }, 'jobOutput');

  // A piece arrives while the provider is still sending the answer: the step has not ended.
  await early.until((xs) => xs.some((x) => !x.done && x.text.length > 0), WAIT);
  const streaming = fake!.requestsMatching((r) => JSON.stringify(r.body?.messages).includes('STREAM_ME'));
  expect(streaming).toHaveLength(1);
  expect(streaming[0]!.endedAt).toBeUndefined();
  const first = early.items.find((x) => !x.done)!;
  expect(first).toMatchObject({ jobId, step: 's1', call: 'call' });
  expect(ANSWER.startsWith(first.text)).toBe(true);
  expect(first.text.length).toBeLessThan(ANSWER.length);

  // A late subscriber's first message is the whole text so far, as its delta.
  const seen = early.items[early.items.length - 1]!.text;
  const late = collect<Out>(client(), JOB_OUTPUT, { jobId }, 'jobOutput');
  await late.until((xs) => xs.length >= 1, WAIT);
  const lateFirst = late.items[0]!;
  expect(lateFirst.delta).toBe(lateFirst.text);
  expect(lateFirst.text.length).toBeGreaterThanOrEqual(seen.length);
  expect(ANSWER.startsWith(lateFirst.text)).toBe(true);

  // Both end with the complete answer; their deltas add up to it; the subscriptions complete.
  await early.until((xs) => xs.some((x) => x.done), WAIT);
  await late.until((xs) => xs.some((x) => x.done), WAIT);
  for (const sub of [early, late]) {
    expect(sub.items.filter((x) => x.done)).toHaveLength(1);
    expect(sub.items[sub.items.length - 1]).toMatchObject({ done: true, text: ANSWER });
    expect(sub.items.map((x) => x.delta).join('')).toBe(ANSWER);
    expect(sub.errors).toEqual([]);
  }
  // Writes were gathered: far fewer pieces than the 40 words streamed.
  expect(early.items.length).toBeLessThan(20);
  await early.done;
  await late.done;

  const { job } = await gqlData(api!.url, key, 'query($id: ID!) { job(id: $id) { status steps { output } result } }', { id: jobId });
  expect(job.status).toBe('SUCCEEDED');
  expect(job.steps[0].output).toBe(ANSWER);

  // The live document goes once the call is over: the answer lives with the step.
  await pollUntil(() => db!.db.collection('job_output').findOne({ _id: jobId as never }), (doc) => doc === null, WAIT);
}, 60_000);

test("another tenant's job is NOT_FOUND, and a finished job's subscription completes at once", async () => {
  const jobId = await submitChain(api!.url, key, ['Short one.']);
  await pollUntil(
    () => gqlData(api!.url, key, 'query($id: ID!) { job(id: $id) { status } }', { id: jobId }),
    (d) => d.job.status === 'SUCCEEDED',
    WAIT,
  );
  const finished = collect<Out>(client(), JOB_OUTPUT, { jobId }, 'jobOutput');
  await finished.done;
  expect(finished.items).toEqual([]);

  const otherKey = await newKey(db!, 'stranger');
  const other = wsClient(api!.url, otherKey);
  clients.push(other);
  const stranger = collect<Out>(other, JOB_OUTPUT, { jobId }, 'jobOutput');
  await stranger.done;
  expect(JSON.stringify(stranger.errors)).toMatch(/NOT_FOUND/);
}, 60_000);
