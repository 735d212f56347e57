/**
 * A review across real processes (`node dist/main.js`): the API in this process, workers as
 * OS processes with WORKER_CONCURRENCY=1, the fake OpenAI server telling workers apart by
 * their API keys. A chain draft → publish whose draft is reviewed: while the job waits in
 * AWAITING_REVIEW its worker's one slot runs another job to the end; the worker is killed
 * while the job waits; an EDIT posted to the callback URL (no API key) is taken by a new
 * worker, whose publish prompt carries the edit; the draft was asked of the model once; a
 * second answer is a CONFLICT (409 at the URL). Needs `npm run build` (npm test does it).
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../../support/fake-openai.js';
import { gqlData } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { getJob, gqlErrors, submitChain, tag, waitForStatus, withPrompt } from '../jobs-harness.js';

let fake: FakeOpenAi;
let api: TestApp;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
  api = await startTestApp({ role: 'api' });
});
afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop('SIGKILL')));
  await api?.stop();
  await fake?.close();
});

function startWorker(apiKey: string): Promise<ServiceProcess> {
  return startServiceProcess({
    ROLE: 'worker',
    MONGODB_URI: api.db.uri,
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: apiKey,
    WORKER_CONCURRENCY: '1',
    JOB_LEASE: '3s',
    PUBLIC_URL: api.url.replace(/\/graphql$/, ''),
  }).then((w) => {
    workers.push(w);
    return w;
  });
}

const from = (key: string) => (r: RecordedRequest) => r.headers.authorization === `Bearer ${key}`;
const STEPS = 'steps { name status review { output callbackUrl answer { decision via comment output } } }';

test('the review holds no worker, survives its worker being killed, and an EDIT at the callback URL reaches publish on a new worker', async () => {
  const draft = tag('draft');
  const publish = tag('publish');
  const other = tag('other');
  const a = await startWorker('worker-a');
  const id = await submitChain(api, [
    { name: 'draft', prompt: `${draft} write a launch post`, review: { instructions: 'Is it on brand?' } },
    { name: 'publish', prompt: `${publish} polish for the blog: {{steps.draft}}` },
  ]);
  const waiting = await waitForStatus(api, id, ['AWAITING_REVIEW'], 30_000, `id status ${STEPS}`);
  const url: string = waiting.steps[0].review.callbackUrl;
  expect(url.startsWith(api.url.replace(/\/graphql$/, '/reviews/'))).toBe(true);

  // The worker's only slot is free: another job runs to the end while this one waits.
  const otherId = await submitChain(api, [{ name: 'only', prompt: `${other} hello` }]);
  expect((await waitForStatus(api, otherId, ['SUCCEEDED', 'FAILED'], 30_000)).status).toBe('SUCCEEDED');
  expect((await getJob(api, id, 'status')).status).toBe('AWAITING_REVIEW');

  expect((await a.stop('SIGKILL')).signal).toBe('SIGKILL');
  const edit = 'Launch post, edited: short and on brand.';
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'EDIT', output: edit, comment: 'rewrote it' }) });
  expect(res.status).toBe(200);
  // Answered with no worker alive: the job waits for one.
  expect((await getJob(api, id, 'status')).status).toBe('QUEUED');

  await startWorker('worker-b');
  const done = await waitForStatus(api, id, ['SUCCEEDED', 'FAILED'], 60_000, `status result ${STEPS}`);
  expect(done.status).toBe('SUCCEEDED');
  const publishCalls = withPrompt(fake, publish);
  expect(publishCalls).toHaveLength(1);
  expect(from('worker-b')(publishCalls[0]!)).toBe(true);
  expect(JSON.stringify(publishCalls[0]!.body)).toContain(edit);
  // The draft was paid once, by the first worker.
  expect(withPrompt(fake, draft).map((r) => r.headers.authorization)).toEqual(['Bearer worker-a']);
  expect(done.steps[0].review.answer).toEqual({ decision: 'EDIT', via: 'CALLBACK', comment: 'rewrote it', output: edit });

  const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'APPROVE' }) });
  expect(again.status).toBe(409);
  const errors = await gqlErrors(api, `mutation($input: ReviewJobInput!) { reviewJob(input: $input) { id } }`, { input: { jobId: id, step: 'draft', decision: 'REJECT' } });
  expect(errors[0]!.extensions?.code).toBe('CONFLICT');
  const { job } = await gqlData(api.url, api.key, `query($id: ID!) { job(id: $id) { events { type } } }`, { id });
  expect(job.events.filter((e: any) => e.type === 'REVIEWED')).toHaveLength(1);
}, 180_000);
