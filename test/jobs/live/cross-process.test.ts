/**
 * Subscriptions across OS processes: two API processes and one worker process on one
 * fresh database (FerretDB here, so every API process polls `job_events`). The worker
 * calls a fake OpenAI server whose gates let a test hold a job at a chosen step, so
 * that "mid-job" is a state the test controls rather than a race.
 */
import type { Client } from 'graphql-ws';
import { createTestDb, type TestDb } from '../../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { collect, gqlData, pollUntil, wsClient } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import {
  BATCH_PROGRESS,
  type BatchItem,
  type Ev,
  Gates,
  JOB_EVENTS,
  newKey,
  range,
  seqs,
  stopAll,
  storedEvents,
  submitChain,
  within,
} from './subscriptions-harness.js';

const WAIT = 30_000;

let db: TestDb | undefined;
let fake: FakeOpenAi | undefined;
let gates: Gates;
let apiA: ServiceProcess | undefined;
let apiB: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let key: string;
const clients: Client[] = [];

function client(api: ServiceProcess): Client {
  const c = wsClient(api.url, key);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  db = await createTestDb('subs_xproc');
  fake = await startFakeOpenAi();
  gates = new Gates(fake);
  const common = { MONGODB_URI: db.uri };
  // The first process creates the indexes; the other two start side by side. The worker's
  // lease is long because on a loaded two-core machine a 5 s lease is sometimes lost,
  // which only delays jobs (they run again later), and that is not under test here.
  apiA = await startServiceProcess({ ...common, ROLE: 'api', LOG_LEVEL: 'debug' });
  [apiB, worker] = await Promise.all([
    startServiceProcess({ ...common, ROLE: 'api' }),
    startServiceProcess({ ...common, ROLE: 'worker', JOB_LEASE: '30s', AI_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test' }),
  ]);
  key = await newKey(db, 'xproc');
}, 90_000);

afterAll(async () => {
  gates?.openAll();
  await stopAll(clients, [apiA, apiB, worker]);
  await fake?.close();
  await db?.close();
}, 60_000);

describe('jobEvents across processes', () => {
  let jobId: string;
  let n: number;

  test('a client on each API process receives every event, 1..n in order, ending with SUCCEEDED', async () => {
    const gate = gates.add('GATE_T1');
    jobId = await submitChain(apiA!.url, key, [`First ${gate}.`, 'Second.', 'Third.', 'Fourth.']);
    const onA = collect<Ev>(client(apiA!), JOB_EVENTS, { jobId }, 'jobEvents');
    const onB = collect<Ev>(client(apiB!), JOB_EVENTS, { jobId }, 'jobEvents');
    // Both are subscribed (QUEUED is replayed) before the job gets past its first AI call,
    // so everything after it reaches them live through each process's own feed.
    await onA.until((xs) => xs.length >= 1, WAIT);
    await onB.until((xs) => xs.length >= 1, WAIT);
    gates.open(gate);
    await within(Promise.all([onA.done, onB.done]), WAIT, 'both subscriptions complete');

    const stored = await storedEvents(apiA!.url, key, jobId);
    n = stored.length;
    expect(n).toBeGreaterThanOrEqual(3 + 2 * 4); // QUEUED, STARTED, 2 per step, SUCCEEDED
    for (const sub of [onA, onB]) {
      expect(sub.errors).toEqual([]);
      expect(seqs(sub.items)).toEqual(range(1, n));
      expect(sub.items.every((e) => e.jobId === jobId)).toBe(true);
      expect(sub.items.at(-1)!.type).toBe('SUCCEEDED');
      expect(sub.items.at(-1)!.job.status).toBe('SUCCEEDED');
      expect(sub.items.map((e) => e.type)).toEqual(stored.map((e) => e.type));
    }
    expect(onB.items.map((e) => e.id)).toEqual(onA.items.map((e) => e.id));
  });

  test('a finished job replays its events and completes, on either process', async () => {
    const all = collect<Ev>(client(apiB!), JOB_EVENTS, { jobId }, 'jobEvents');
    const tail = collect<Ev>(client(apiA!), JOB_EVENTS, { jobId, after: n - 2 }, 'jobEvents');
    const none = collect<Ev>(client(apiA!), JOB_EVENTS, { jobId, after: n }, 'jobEvents');
    await within(Promise.all([all.done, tail.done, none.done]), WAIT, 'replays complete');
    expect(all.errors).toEqual([]);
    expect(seqs(all.items)).toEqual(range(1, n));
    expect(all.items.at(-1)!.type).toBe('SUCCEEDED');
    expect(seqs(tail.items)).toEqual([n - 1, n]);
    expect(none.items).toEqual([]);
    expect(none.errors).toEqual([]);
  });

  test('a client that disconnects mid-job and resubscribes with afterSequence misses nothing', async () => {
    const g3 = gates.add('GATE_T2_S3');
    const g5 = gates.add('GATE_T2_S5');
    const id = await submitChain(apiA!.url, key, ['One.', 'Two.', `Three ${g3}.`, 'Four.', `Five ${g5}.`, 'Six.']);

    // First connection, to process A: read until step s3 has started (the job waits at
    // its AI call there), then drop the connection.
    const first = client(apiA!);
    const before = collect<Ev>(first, JOB_EVENTS, { jobId: id }, 'jobEvents');
    await before.until((xs) => xs.some((e) => e.type === 'STEP_STARTED' && e.step?.name === 's3'), WAIT);
    await first.dispose();
    const seen = [...before.items];
    const last = seen.at(-1)!.sequence;
    expect(seqs(seen)).toEqual(range(1, last));

    // While nobody listens the job goes on to s5 and waits there.
    gates.open(g3);
    await pollUntil(
      () => storedEvents(apiA!.url, key, id),
      (evs) => evs.some((e) => e.type === 'STEP_STARTED' && e.step?.name === 's5'),
      WAIT,
    );

    // Second connection, to process B, from where the first left off: the missed events
    // are replayed, then the rest arrives live, and the stream completes.
    const after = collect<Ev>(client(apiB!), JOB_EVENTS, { jobId: id, after: last }, 'jobEvents');
    await after.until((xs) => xs.some((e) => e.type === 'STEP_STARTED' && e.step?.name === 's5'), WAIT);
    gates.open(g5);
    await within(after.done, WAIT, 'resubscription completes');

    const n2 = (await storedEvents(apiA!.url, key, id)).length;
    expect(after.errors).toEqual([]);
    expect(seqs(after.items)).toEqual(range(last + 1, n2));
    const union = [...seqs(seen), ...seqs(after.items)];
    expect(union).toEqual(range(1, n2)); // exactly 1..n: no gap, no duplicate
    expect(after.items.at(-1)!.type).toBe('SUCCEEDED');
  });

  test('a client that asks for afterSequence beyond the end still completes when the job finishes', async () => {
    const gate = gates.add('GATE_T2B');
    const id = await submitChain(apiA!.url, key, [`Only ${gate}.`]);
    const far = collect<Ev>(client(apiB!), JOB_EVENTS, { jobId: id, after: 1_000 }, 'jobEvents');
    // The job is held before its first AI call; QUEUED and STARTED are stored by now or soon.
    await pollUntil(
      () => storedEvents(apiA!.url, key, id),
      (evs) => evs.some((e) => e.type === 'STEP_STARTED'),
      WAIT,
    );
    gates.open(gate);
    await within(far.done, WAIT, 'subscription past the end completes');
    expect(far.items).toEqual([]);
    expect(far.errors).toEqual([]);
  });

  test('the API process logs each event with its write time and its send time (debug)', async () => {
    // Process A ran at LOG_LEVEL=debug and served the subscriptions of the first test.
    const lines = apiA!
      .stderr()
      .split('\n')
      .filter((l) => l.includes(jobId))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return null;
        }
      })
      .filter((l): l is Record<string, unknown> => l !== null);
    const dispatched = lines.filter((l) => l.msg === 'job event dispatched');
    const sent = lines.filter((l) => l.msg === 'job event sent');
    expect(dispatched.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThanOrEqual(n);
    for (const l of sent) {
      expect(typeof l.at).toBe('string');
      expect(typeof l.sentAt).toBe('string');
      expect(typeof l.latencyMs).toBe('number');
      expect(Date.parse(l.sentAt as string)).toBeGreaterThanOrEqual(Date.parse(l.at as string));
    }
  });
});

describe('batchProgress across processes', () => {
  test('a 10-document batch rises monotonically to 10 of 10 and completes; a finished batch replays once', async () => {
    const gate = gates.add('GATE_BATCH');
    const documents = range(1, 10).map((i) => ({ name: `doc-${i}`, text: `Document ${i} ${gate}. It talks about rivers, bridges and tolls.` }));
    const { analyzeDocuments: batch } = await gqlData<{ analyzeDocuments: { id: string; total: number } }>(
      apiA!.url,
      key,
      'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total } }',
      { input: { documents } },
    );
    expect(batch.total).toBe(10);

    const progress = collect<BatchItem>(client(apiB!), BATCH_PROGRESS, { batchId: batch.id }, 'batchProgress');
    await progress.until((xs) => xs.length >= 1, WAIT);
    gates.open(gate);
    await within(progress.done, 60_000, 'batchProgress completes');

    const items = progress.items;
    expect(progress.errors).toEqual([]);
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items[0]!.status).toBe('RUNNING');
    for (let i = 1; i < items.length; i++) {
      expect(items[i]!.succeeded).toBeGreaterThanOrEqual(items[i - 1]!.succeeded);
      expect(items[i]!.progress.completed).toBeGreaterThanOrEqual(items[i - 1]!.progress.completed);
    }
    const final = items.at(-1)!;
    expect(final).toMatchObject({ id: batch.id, status: 'COMPLETED', total: 10, succeeded: 10, failed: 0, cancelled: 0, queued: 0, running: 0 });
    expect(final.progress).toMatchObject({ completed: 10, total: 10, percent: 100, message: 'Analysed 10 of 10 documents' });
    // Sent when something changed: no item repeats the one before it.
    for (let i = 1; i < items.length; i++) expect(items[i]).not.toEqual(items[i - 1]);

    const again = collect<BatchItem>(client(apiA!), BATCH_PROGRESS, { batchId: batch.id }, 'batchProgress');
    await within(again.done, WAIT, 'finished batch completes');
    expect(again.errors).toEqual([]);
    expect(again.items).toHaveLength(1);
    expect(again.items[0]).toMatchObject({ status: 'COMPLETED', succeeded: 10, progress: { completed: 10, total: 10 } });
  }, 90_000);
});
