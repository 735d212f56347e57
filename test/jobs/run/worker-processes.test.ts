/**
 * Worker processes (`node dist/main.js`, ROLE=worker) that stop while running a job.
 * Killed with SIGKILL in the middle of `summarize`: another worker takes the job over once
 * the dead one's short lease (JOB_LEASE=3s, kept alive by heartbeats) expires, resumes at
 * the first chunk without a stored answer, and finishes; no chunk that was answered is
 * requested again (the fake OpenAI server's request bodies prove it). Stopped with
 * SIGTERM: the running step finishes, the job is released, the process exits 0, and the
 * next worker carries on from the next step. The workers tell themselves apart at the
 * fake by their API keys. Needs `npm run build` (npm test does it).
 */
import { documentChunks } from '../../../src/jobs/pipelines/document-text.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../../support/fake-openai.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { getEvents, getJob, isSummarize, prose, submitChain, submitDocument, userOf, waitForStatus, withPrompt } from '../jobs-harness.js';

const CONTEXT = 1000;

let fake: FakeOpenAi;
let api: TestApp;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
  api = await startTestApp({ role: 'api' });
});
// Each test's workers stop with it: a leftover worker would take the next test's jobs.
afterEach(async () => {
  await Promise.allSettled(workers.splice(0).map((w) => w.stop('SIGKILL')));
  fake.onRequest(null);
});
afterAll(async () => {
  await api?.stop();
  await fake?.close();
});

function startWorker(apiKey: string, lease = '3s'): Promise<ServiceProcess> {
  return startServiceProcess({
    ROLE: 'worker',
    MONGODB_URI: api.db.uri,
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: apiKey,
    AI_CONTEXT_TOKENS: String(CONTEXT),
    JOB_LEASE: lease,
  }).then((w) => {
    workers.push(w);
    return w;
  });
}

const from = (key: string) => (r: RecordedRequest) => r.headers.authorization === `Bearer ${key}`;
const answered = (r: RecordedRequest) => r.endedAt !== undefined && !r.clientClosed;

test('SIGKILL in the middle of summarize: another worker takes over and no answered chunk is requested twice', async () => {
  const text = prose('crash', 40);
  const chunks = documentChunks(text, CONTEXT);
  expect(chunks.length).toBeGreaterThanOrEqual(4);
  // Worker A gets chunks 1 and 2 answered; chunk 3 never is.
  fake.onRequest((req) => (from('worker-a')(req) && isSummarize(req) && userOf(req) === chunks[2] ? { hang: true } : undefined));

  const a = await startWorker('worker-a');
  const id = await submitDocument(api, text);
  await fake.waitFor(() => fake.requests.some((r) => from('worker-a')(r) && userOf(r) === chunks[2]), 30_000);
  const beforeKill = fake.requestsMatching(isSummarize);
  expect(beforeKill.filter(answered).map(userOf)).toEqual([chunks[0], chunks[1]]);
  expect((await waitForStatus(api, id, ['RUNNING'], 5_000)).steps[1].status).toBe('RUNNING');

  const killed = await a.stop('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');
  const killedAt = Date.now();

  // A's 3 s lease makes the takeover quick; B's own lease is longer so that on a loaded
  // machine B does not also lose its claim and run summarize a third time.
  await startWorker('worker-b', '10s');
  const job = await waitForStatus(api, id, ['SUCCEEDED', 'FAILED'], 60_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(Date.now() - killedAt).toBeLessThan(60_000);
  expect(job.result.chunks).toBe(chunks.length);

  const summarize = fake.requestsMatching(isSummarize);
  // Worker B never asked for what A had been answered.
  const byB = summarize.filter(from('worker-b')).map(userOf);
  expect(byB).not.toContain(chunks[0]);
  expect(byB).not.toContain(chunks[1]);
  expect(byB).toContain(chunks[2]);
  // Every chunk was answered exactly once, and never requested after its answer.
  for (const chunk of chunks) {
    const forChunk = summarize.filter((r) => userOf(r) === chunk);
    expect(forChunk.filter(answered)).toHaveLength(1);
    const firstAnswer = forChunk.find(answered)!;
    expect(forChunk.filter((r) => r.index > firstAnswer.index)).toHaveLength(0);
  }
  // The job resumed rather than restarting: prepare ran once, summarize twice, same attempt.
  expect(job.attempt).toBe(1);
  expect(job.steps.map((s: any) => `${s.name}:${s.status}:${s.attempts}`)).toEqual([
    'prepare:SUCCEEDED:1',
    'summarize:SUCCEEDED:2',
    'combine:SUCCEEDED:1',
    'extract:SUCCEEDED:1',
  ]);
  const events = await getEvents(api, id);
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'SUCCEEDED')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'STEP_STARTED' && e.step?.name === 'prepare')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'STEP_STARTED' && e.step?.name === 'summarize')).toHaveLength(2);
}, 120_000);

test('SIGTERM drains: the running step finishes, the process exits 0, and the next worker continues from the next step', async () => {
  fake.onRequest((req) => (from('worker-c')(req) && userOf(req).startsWith('drain-first') ? { delayMs: 1_500 } : undefined));
  const c = await startWorker('worker-c');
  const id = await submitChain(api, [
    { name: 'first', prompt: 'drain-first: take your time' },
    { name: 'second', prompt: 'drain-second: after {{steps.first}}' },
  ]);
  await fake.waitFor(() => withPrompt(fake, 'drain-first').length === 1, 30_000);

  const exit = await c.stop('SIGTERM', 20_000);
  expect(exit).toEqual({ code: 0, signal: null });
  // The call in flight was answered, not cut off, and nothing further was started.
  const [first] = withPrompt(fake, 'drain-first');
  expect(first!.clientClosed).toBe(false);
  expect(first!.endedAt).toBeDefined();
  expect(withPrompt(fake, 'drain-second')).toHaveLength(0);
  const released = await getJob(api, id);
  expect(released.status).toBe('RUNNING');
  expect(released.steps.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'PENDING']);

  await startWorker('worker-d');
  const job = await waitForStatus(api, id, ['SUCCEEDED', 'FAILED'], 30_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(withPrompt(fake, 'drain-first')).toHaveLength(1);
  expect(withPrompt(fake, 'drain-second').map((r) => r.headers.authorization)).toEqual(['Bearer worker-d']);
  expect(job.steps.map((s: any) => s.attempts)).toEqual([1, 1]);
}, 90_000);
