/**
 * The typed client against the real service, as OS processes: an API process on a fixed
 * port (so that it can be stopped and started again at the same address) and a worker
 * whose AI calls go to the fake OpenAI server, held at gates the test opens.
 */
import WebSocket from 'ws';
import { ClientError, createJobsClient, type ConnectionState, type JobEvent, type JobsClient } from '../../client/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { freePort } from '../support/free-port.js';
import { pollUntil } from '../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { Gates, newKey, range, within } from '../jobs/live/subscriptions-harness.js';

const WAIT = 30_000;

let db: TestDb | undefined;
let fake: FakeOpenAi | undefined;
let gates: Gates;
let api: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let apiEnv: Record<string, string>;
let url: string;
let key: string;
let client: JobsClient;

beforeAll(async () => {
  db = await createTestDb('client');
  fake = await startFakeOpenAi();
  gates = new Gates(fake);
  apiEnv = { MONGODB_URI: db.uri, ROLE: 'api', PORT: String(await freePort()) };
  api = await startServiceProcess(apiEnv);
  worker = await startServiceProcess({
    MONGODB_URI: db.uri,
    ROLE: 'worker',
    JOB_LEASE: '30s',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test',
  });
  url = api.url;
  key = await newKey(db, 'client');
  client = createJobsClient({ url, token: key, webSocketImpl: WebSocket, reconnect: { minDelayMs: 100, maxDelayMs: 500 } });
}, 90_000);

afterAll(async () => {
  gates?.openAll();
  await client?.dispose();
  await Promise.allSettled([api?.stop(), worker?.stop()]);
  await fake?.close();
  await db?.close();
}, 60_000);

/** Collects a watch's events; `until` waits (bounded) for a condition on them. */
function watchEvents(jobId: string) {
  const events: JobEvent[] = [];
  let completed = false;
  let failure: ClientError | null = null;
  const checks = new Set<() => void>();
  const notify = () => checks.forEach((c) => c());
  const watch = client.watchJob<JobEvent>(jobId, {
    onEvent: (e) => {
      events.push(e);
      notify();
    },
    onComplete: () => {
      completed = true;
      notify();
    },
    onError: (e) => {
      failure = e;
      notify();
    },
  });
  const until = (pred: () => boolean, what: string) =>
    within(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pred()) resolve();
          else if (failure) reject(failure);
        };
        checks.add(check);
        check();
      }),
      WAIT,
      what,
    );
  return { events, watch, until, isCompleted: () => completed, failure: () => failure };
}

function waitForState(target: ConnectionState): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      if (client.connectionState() === target) return resolve();
      const off = client.onConnectionState((s) => {
        if (s === target) {
          off();
          resolve();
        }
      });
    }),
    WAIT,
    `connection state ${target}`,
  );
}

describe('createJobsClient', () => {
  test('submitJob returns the queued job; a bad input is a ClientError naming its path', async () => {
    const job = await client.submitJob({ kind: 'chain', input: { steps: [{ name: 'only', prompt: 'Say hi.' }] } });
    expect(job).toMatchObject({ kind: 'chain', status: 'QUEUED', steps: [{ name: 'only', status: 'PENDING' }] });
    const err = await client.analyzeDocuments({ documents: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).code).toBe('BAD_USER_INPUT');
    expect((err as ClientError).path?.slice(0, 2)).toEqual(['input', 'documents']);
  });

  test('watchJob of an unknown id ends with NOT_FOUND', async () => {
    const w = watchEvents('no-such-job');
    await expect(w.until(() => false, 'error')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('watchBatch follows analyzeDocuments to "3 of 3" and completes', async () => {
    const batch = await client.analyzeDocuments({
      documents: [1, 2, 3].map((i) => ({ name: `d${i}.txt`, text: `Document ${i} says something.` })),
    });
    expect(batch.total).toBe(3);
    const seen: number[] = [];
    await within(
      new Promise<void>((resolve, reject) => {
        client.watchBatch<{ progress: { completed: number; total: number }; status: string }>(batch.id, {
          onBatch: (b) => seen.push(b.progress.completed),
          onComplete: resolve,
          onError: reject,
        });
      }),
      60_000,
      'batch completes',
    );
    expect(seen.at(-1)).toBe(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  }, 90_000);

  test('a watch resumes after the API process stops and starts again, with no gap and no duplicate', async () => {
    const g1 = gates.add('GATE_CLIENT_1');
    const g2 = gates.add('GATE_CLIENT_2');
    const job = await client.submitJob({
      kind: 'chain',
      input: { steps: [{ name: 's1', prompt: 'One.' }, { name: 's2', prompt: `Two ${g1}.` }, { name: 's3', prompt: 'Three.' }, { name: 's4', prompt: `Four ${g2}.` }] },
    });
    const w = watchEvents(job.id);
    const startedStep = (name: string) => () => w.events.some((e) => e.type === 'STEP_STARTED' && e.step?.name === name);
    await w.until(startedStep('s2'), 's2 started');
    await waitForState('live');

    await api!.stop('SIGTERM');
    await waitForState('reconnecting');
    const seenWhileDown = w.events.length;
    gates.open(g1);
    // The job goes on while no API process runs: s2 and s3 finish, s4 waits at its gate.
    await pollUntil(
      () => db!.db.collection('job_events').find({ jobId: job.id }).toArray(),
      (rows) => rows.some((r) => r.type === 'STEP_STARTED' && (r.step as { name?: string } | undefined)?.name === 's4'),
      WAIT,
    );
    expect(w.events.length).toBe(seenWhileDown);

    api = await startServiceProcess(apiEnv);
    await w.until(startedStep('s4'), 's4 started, after the restart');
    gates.open(g2);
    await w.until(() => w.isCompleted(), 'the watch completes');

    const sequences = w.events.map((e) => e.sequence);
    expect(sequences).toEqual(range(1, sequences.length));
    const stored = await db!.db.collection('job_events').countDocuments({ jobId: job.id });
    expect(sequences.length).toBe(stored);
    expect(w.events.at(-1)).toMatchObject({ type: 'SUCCEEDED', job: { status: 'SUCCEEDED' } });
    expect(w.watch.lastSequence).toBe(stored);
  }, 120_000);
});
