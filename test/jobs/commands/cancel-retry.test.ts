/**
 * cancelJob, retryJob and cancelBatch through GraphQL: a cancel aborts the in-flight AI
 * request (the fake sees the connection closed) and leaves the job CANCELLED within
 * seconds; a retry runs a FAILED or CANCELLED job again from the step that did not
 * succeed, never repeating a finished one.
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import type { FakeOpenAi } from '../../support/fake-openai.js';
import { useFakeOpenAiApp } from '../../support/fake-openai-app.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import {
  getEvents,
  getJob,
  gqlErrors,
  isSummarize,
  JOB_FIELDS,
  ReplyRouter,
  submitChain,
  tag,
  waitForStatus,
  withPrompt,
} from '../jobs-harness.js';

const started = useFakeOpenAiApp({ env: { AI_TIMEOUT_MS: '60000' } });
let fake: FakeOpenAi;
let app: TestApp;
let router: ReplyRouter;

beforeAll(() => {
  ({ fake, app } = started);
  router = new ReplyRouter(fake);
});

const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`;
const RETRY = `mutation($id: ID!) { retryJob(id: $id) { ${JOB_FIELDS} } }`;

describe('a running job', () => {
  const a = tag('done-first');
  const b = tag('hangs');
  const c = tag('then');
  let id: string;

  test('is cancelled within seconds: its hanging AI request is aborted and the job is CANCELLED', async () => {
    router.on(b, [{ hang: true }]);
    id = await submitChain(app, [
      { name: 'a', prompt: `${a} one` },
      { name: 'b', prompt: `${b} two` },
      { name: 'c', prompt: `${c} three` },
    ]);
    await fake.waitFor(() => withPrompt(fake, b).length === 1, 15_000);
    expect((await getJob(app, id)).status).toBe('RUNNING');

    const asked = Date.now();
    const { cancelJob } = await gqlData(app.url, app.key, CANCEL, { id });
    const job = cancelJob.status === 'CANCELLED' ? cancelJob : await waitForStatus(app, id, ['CANCELLED'], 5_000);
    expect(Date.now() - asked).toBeLessThan(3_000);

    expect(job.status).toBe('CANCELLED');
    expect(job.error).toMatchObject({ code: 'CANCELLED', retryable: false, step: 'b' });
    expect(job.finishedAt).not.toBeNull();
    expect(job.steps.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'CANCELLED', 'PENDING']);
    // The worker hung up on the AI request rather than waiting for it.
    await fake.waitFor(() => withPrompt(fake, b)[0]!.clientClosed, 5_000);
    expect(withPrompt(fake, b)[0]!.endedAt! - asked).toBeLessThan(3_000);
    const events = await getEvents(app, id);
    expect(events[events.length - 1].type).toBe('CANCELLED');

    // Cancelling again changes nothing.
    const again = await gqlData(app.url, app.key, CANCEL, { id });
    expect(again.cancelJob).toMatchObject({ status: 'CANCELLED', finishedAt: job.finishedAt });
  });

  test('retryJob after a cancel resumes at the cancelled step; the finished step is not asked again', async () => {
    const { retryJob } = await gqlData(app.url, app.key, RETRY, { id });
    expect(retryJob).toMatchObject({ status: 'QUEUED', attempt: 2, error: null, finishedAt: null });
    expect(retryJob.steps.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'PENDING', 'PENDING']);

    const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 20_000);
    expect(job.status).toBe('SUCCEEDED');
    expect(withPrompt(fake, a)).toHaveLength(1);
    expect(withPrompt(fake, b)).toHaveLength(2);
    expect(withPrompt(fake, c)).toHaveLength(1);
    expect(job.steps.map((s: any) => s.attempts)).toEqual([1, 2, 1]);
  });
});

test('retryJob after a failure runs again from the failed step', async () => {
  const a = tag('ok');
  const b = tag('refused-once');
  const c = tag('last');
  router.on(b, [{ refusal: 'No.' }]);
  const id = await submitChain(app, [
    { name: 'a', prompt: `${a} one` },
    { name: 'b', prompt: `${b} two {{steps.a}}` },
    { name: 'c', prompt: `${c} three {{steps.b}}` },
  ]);
  const failed = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(failed).toMatchObject({ status: 'FAILED', error: { code: 'CONTENT_POLICY', step: 'b' } });

  const { retryJob } = await gqlData(app.url, app.key, RETRY, { id });
  expect(retryJob).toMatchObject({ status: 'QUEUED', attempt: 2, result: null, error: null });
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);

  expect(job.status).toBe('SUCCEEDED');
  expect(job.result.outputs).toEqual({ a: expect.any(String), b: expect.any(String), c: expect.any(String) });
  expect(withPrompt(fake, a)).toHaveLength(1);
  expect(withPrompt(fake, b)).toHaveLength(2);
  expect(withPrompt(fake, c)).toHaveLength(1);
  const events = await getEvents(app, id);
  const requeued = events.filter((e) => e.type === 'QUEUED');
  expect(requeued).toHaveLength(2);
  expect(requeued[1].message).toContain('"b"');
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));

  // Only FAILED or CANCELLED jobs can be retried.
  const errors = await gqlErrors(app, RETRY, { id });
  expect(errors[0]!.extensions?.code).toBe('CONFLICT');
});

test('cancelBatch cancels every unfinished job of the batch, the running ones within seconds', async () => {
  const m = tag('batchdoc');
  fake.onRequest(null);
  fake.onRequest((req) => (isSummarize(req) ? { hang: true } : undefined));
  try {
    const documents = [0, 1, 2].map((i) => ({ name: `d${i}`, text: `${m} document number ${i}. It is short.` }));
    const { analyzeDocuments } = await gqlData(
      app.url,
      app.key,
      `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total status } }`,
      { input: { documents } },
    );
    const batchId = analyzeDocuments.id;
    await fake.waitFor(() => fake.requestsMatching((r) => isSummarize(r) && JSON.stringify(r.body).includes(m)).length === 3, 15_000);

    const asked = Date.now();
    const BATCH = `id status total queued running succeeded failed cancelled finishedAt progress { completed total message } jobs { edges { node { id status error { code } } } }`;
    await gqlData(app.url, app.key, `mutation($id: ID!) { cancelBatch(id: $id) { id status } }`, { id: batchId });
    const { batch } = await pollUntil(
      () => gqlData(app.url, app.key, `query($id: ID!) { batch(id: $id) { ${BATCH} } }`, { id: batchId }),
      (d) => d.batch.cancelled === 3,
      5_000,
      50,
    );
    expect(Date.now() - asked).toBeLessThan(4_000);
    expect(batch).toMatchObject({ status: 'CANCELLED', total: 3, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 3 });
    expect(batch.progress).toMatchObject({ completed: 3, total: 3, message: 'Analysed 3 of 3 documents' });
    for (const edge of batch.jobs.edges) expect(edge.node).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
    await fake.waitFor(() => fake.requestsMatching((r) => isSummarize(r) && JSON.stringify(r.body).includes(m)).every((r) => r.clientClosed), 5_000);
    await pollUntil(
      () => gqlData(app.url, app.key, `query($id: ID!) { batch(id: $id) { finishedAt } }`, { id: batchId }),
      (d) => d.batch.finishedAt !== null,
      5_000,
    );
  } finally {
    fake.onRequest(null);
    router = new ReplyRouter(fake);
  }
});

describe('jobs no worker has taken yet', () => {
  let apiOnly: TestApp;
  beforeAll(async () => {
    apiOnly = await startTestApp({ role: 'api' });
  });
  afterAll(() => apiOnly?.stop());

  test('a QUEUED job is cancelled at once, and can then be retried', async () => {
    const id = await submitChain(apiOnly, [{ name: 'x', prompt: 'never runs' }]);
    const { cancelJob } = await gqlData(apiOnly.url, apiOnly.key, CANCEL, { id });
    expect(cancelJob).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
    expect(cancelJob.finishedAt).not.toBeNull();
    const types = (await getEvents(apiOnly, id)).map((e) => e.type);
    expect(types).toEqual(['QUEUED', 'CANCELLED']);

    const { retryJob } = await gqlData(apiOnly.url, apiOnly.key, RETRY, { id });
    expect(retryJob).toMatchObject({ status: 'QUEUED', attempt: 2 });
    // A queued job is not retried.
    expect((await gqlErrors(apiOnly, RETRY, { id }))[0]!.extensions?.code).toBe('CONFLICT');
  });
});
