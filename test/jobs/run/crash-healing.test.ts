/**
 * Crash states heal: each is written straight into the database as a crash would leave
 * it, and a running worker (whose sweeps read live records only) completes it within a
 * bounded time — a finished job without its terminal event, a batch whose settler died
 * after claiming the settlement, a batch stored without its jobs (repaired on replay),
 * and a settled batch reopened by a retry of one of its jobs.
 */
import type { BatchDoc, JobDoc, LiveJobDoc } from '../../../src/db/jobs/docs.js';
import { newJobDoc, requestHash } from '../../../src/jobs/commands/new-job.js';
import { chainPipeline } from '../../../src/jobs/pipelines/chain.pipeline.js';
import type { Pipeline } from '../../../src/jobs/pipelines/kind.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';

let app: TestApp;
let apiOnly: TestApp;

beforeAll(async () => {
  // A short lease: a crash state's expired lease is what the lost-work sweep looks for.
  app = await startTestApp({ env: { JOB_LEASE: '4s' } });
  apiOnly = await startTestApp({ role: 'api' });
});
afterAll(async () => {
  await app?.stop();
  await apiOnly?.stop();
});

const stores = () => app.services.jobStores;

function finishedJob(a: TestApp, overrides: Partial<JobDoc> = {}): JobDoc {
  const job = newJobDoc(chainPipeline as Pipeline<unknown>, {
    tenantId: a.tenantId,
    kind: 'chain',
    input: { steps: [{ name: 'a', prompt: 'hello' }] },
    priority: 0,
    maxAttempts: 3,
    metadata: null,
    idempotencyKey: null,
    batchId: null,
  });
  const now = new Date();
  return {
    ...job,
    status: 'SUCCEEDED',
    steps: job.steps.map((s) => ({ ...s, status: 'SUCCEEDED', attempts: 1, startedAt: now, finishedAt: now, durationMs: 0, output: '"hi"' })),
    progress: { completed: 1, total: 1, percent: 100, message: 'Completed' },
    result: JSON.stringify({ final: 'hi' }),
    startedAt: now,
    finishedAt: now,
    ...overrides,
  };
}

/** The live record a worker leaves when it dies holding the job. */
const abandoned = (job: JobDoc): LiveJobDoc => ({
  _id: job._id,
  priority: 0,
  runAt: null,
  lease: { owner: 'dead-worker', generation: 1, expiresAt: new Date(Date.now() - 1_000) },
  leaseGeneration: 1,
  createdAt: job.createdAt,
});

async function appendRunningEvents(job: JobDoc): Promise<void> {
  const base = { jobId: job._id, tenantId: job.tenantId, batchId: job.batchId, step: null, progress: job.progress, message: null };
  await stores().events.append({ ...base, type: 'QUEUED', jobStatus: 'QUEUED' }, 0);
  await stores().events.append({ ...base, type: 'STARTED', jobStatus: 'RUNNING' }, 1);
  await stores().events.append({ ...base, type: 'STEP_SUCCEEDED', jobStatus: 'RUNNING' }, 2);
}

const liveGone = (id: string) => pollUntil(() => stores().live.findById(id), (r) => r === null, 20_000);

test('a finished job whose terminal event was never appended gets it, once', async () => {
  const job = finishedJob(app);
  await stores().jobs.insert(job);
  await appendRunningEvents(job);
  await stores().live.insertMany([abandoned(job)]);

  await liveGone(job._id);
  const events = await stores().events.listForJob(job._id);
  expect(events.map((e) => e.type)).toEqual(['QUEUED', 'STARTED', 'STEP_SUCCEEDED', 'SUCCEEDED']);
  expect(events[3]).toMatchObject({ sequence: 4, jobStatus: 'SUCCEEDED' });
});

test('a batch whose settler died after claiming the settlement is settled with the claimed facts and announced', async () => {
  const endpoint = await app.services.webhooks.endpoints.create(app.tenantId, { url: 'http://127.0.0.1:9/hook', eventTypes: ['batch.completed'] });
  expect(endpoint.endpoint._id).toBeTruthy();
  const batchId = `crash-batch-${Math.random().toString(36).slice(2, 8)}`;
  const jobs = [finishedJob(app, { batchId }), finishedJob(app, { batchId, status: 'FAILED', result: null })];
  for (const job of jobs) {
    await stores().jobs.insert(job);
    await appendRunningEvents(job);
    await stores().events.append(
      { jobId: job._id, tenantId: job.tenantId, batchId, type: job.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED', step: null, progress: job.progress, message: null, jobStatus: job.status },
      3,
    );
  }
  const batch: BatchDoc = {
    _id: batchId,
    tenantId: app.tenantId,
    status: 'RUNNING',
    total: 2,
    jobIds: jobs.map((j) => j._id),
    idempotencyKey: null,
    requestHash: 'x',
    metadata: null,
    instructions: null,
    createdAt: new Date(),
    finishedAt: null,
    counts: null,
    reopened: 0,
  };
  await stores().batches.insert(batch);
  const claimedAt = new Date(Date.now() - 5_000);
  await stores().claims.tryClaim(`batch-settled:${batchId}:0`, 'dead-settler', {
    finishedAt: claimedAt.toISOString(),
    status: 'COMPLETED',
    QUEUED: 0,
    RUNNING: 0,
    RETRYING: 0,
    SUCCEEDED: 1,
    FAILED: 1,
    CANCELLED: 0,
  });
  // The last job's finisher died after the claim: its live record is still there.
  await stores().live.insertMany([abandoned(jobs[1]!)]);

  await liveGone(jobs[1]!._id);
  const settled = (await stores().batches.findById(batchId))!;
  expect(settled).toMatchObject({ status: 'COMPLETED', finishedAt: claimedAt, counts: { SUCCEEDED: 1, FAILED: 1, QUEUED: 0 } });
  const deliveries = app.services.webhooks.repositories.deliveries.collection;
  expect(await deliveries.countDocuments({ batchId, eventType: 'batch.completed' })).toBe(1);
});

test('a batch stored without its jobs gets them on replay with the same idempotency key, and completes', async () => {
  const documents = [
    { name: 'a.txt', text: 'Alpha is the first letter.' },
    { name: 'b.txt', text: 'Beta is the second letter.' },
  ];
  const key = `crash-replay-${Math.random().toString(36).slice(2, 8)}`;
  const batchId = `replayed-${Math.random().toString(36).slice(2, 8)}`;
  const hash = requestHash({ documents, instructions: null });
  await stores().claims.tryClaim(`idem:${app.tenantId}:batch:${key}`, 'api', { id: batchId, hash });
  await stores().batches.insert({
    _id: batchId,
    tenantId: app.tenantId,
    status: 'RUNNING',
    total: 2,
    jobIds: [`${batchId}-00000`, `${batchId}-00001`],
    idempotencyKey: key,
    requestHash: hash,
    metadata: null,
    instructions: null,
    createdAt: new Date(),
    finishedAt: null,
    counts: null,
    reopened: 0,
  });

  const ANALYZE = `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total } }`;
  const replay = (await gqlData(app.url, app.key, ANALYZE, { input: { documents, idempotencyKey: key } })).analyzeDocuments;
  expect(replay).toEqual({ id: batchId, total: 2 });
  const BATCH = `query($id: ID!) { batch(id: $id) { status succeeded total jobs { edges { node { id status } } } } }`;
  const done = await pollUntil(
    () => gqlData(app.url, app.key, BATCH, { id: batchId }),
    (d) => d.batch?.status === 'COMPLETED',
    30_000,
  );
  expect(done.batch).toMatchObject({ status: 'COMPLETED', succeeded: 2, total: 2 });
  // Each job exists once, with a gapless log that starts with its one QUEUED event.
  // The batch settles as soon as both jobs' states are saved; a job's terminal event may
  // follow its state by a moment (the other job's finish can settle the batch first).
  for (const id of [`${batchId}-00000`, `${batchId}-00001`]) {
    const types = await pollUntil(
      async () => (await stores().events.listForJob(id)).map((e) => e.type),
      (t) => t[t.length - 1] === 'SUCCEEDED',
      10_000,
    );
    expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
    expect(types[types.length - 1]).toBe('SUCCEEDED');
  }
});

test('retrying a job of a settled batch reopens the batch, and it settles (and is announced) again', async () => {
  const s = apiOnly.services.jobStores;
  await apiOnly.services.webhooks.endpoints.create(apiOnly.tenantId, { url: 'http://127.0.0.1:9/hook', eventTypes: ['batch.completed'] });
  const ANALYZE = `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }`;
  const { id: batchId } = (
    await gqlData(apiOnly.url, apiOnly.key, ANALYZE, { input: { documents: [{ name: 'a', text: 'One.' }, { name: 'b', text: 'Two.' }] } })
  ).analyzeDocuments;
  const batch = (await s.batches.findById(batchId))!;
  const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { status } }`;
  for (const id of batch.jobIds) expect((await gqlData(apiOnly.url, apiOnly.key, CANCEL, { id })).cancelJob.status).toBe('CANCELLED');

  const first = (await s.batches.findById(batchId))!;
  expect(first).toMatchObject({ status: 'COMPLETED', reopened: 0, counts: { CANCELLED: 2 } });
  expect(first.finishedAt).not.toBeNull();

  const RETRY = `mutation($id: ID!) { retryJob(id: $id) { status } }`;
  expect((await gqlData(apiOnly.url, apiOnly.key, RETRY, { id: batch.jobIds[0] })).retryJob.status).toBe('QUEUED');
  const reopened = (await s.batches.findById(batchId))!;
  expect(reopened).toMatchObject({ status: 'RUNNING', finishedAt: null, counts: null, reopened: 1 });
  const view = await gqlData(apiOnly.url, apiOnly.key, `query($id: ID!) { batch(id: $id) { status queued cancelled } }`, { id: batchId });
  expect(view.batch).toEqual({ status: 'RUNNING', queued: 1, cancelled: 1 });

  await gqlData(apiOnly.url, apiOnly.key, CANCEL, { id: batch.jobIds[0] });
  const second = (await s.batches.findById(batchId))!;
  expect(second).toMatchObject({ status: 'COMPLETED', reopened: 1, counts: { CANCELLED: 2 } });
  expect(second.finishedAt!.getTime()).toBeGreaterThan(first.finishedAt!.getTime());
  const deliveries = apiOnly.services.webhooks.repositories.deliveries.collection;
  expect(await deliveries.countDocuments({ batchId, eventType: 'batch.completed' })).toBe(2);
});
