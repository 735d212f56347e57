/**
 * Live work: a job has a live record (its scheduling facts) only while it is unfinished
 * or owes its after-finish work; the lost-work sweep wakes a job whose wake-up was lost
 * and leaves a job waiting for a worker alone; a cancel request is a field on the live
 * record, and cancelJob returns at once with the job as it stands.
 */
import { createLogger } from '../../../src/log/logger.js';
import { sweepLostWork } from '../../../src/jobs/run/lost-work-sweep.js';
import { AGENDA_COLLECTION } from '../../../src/jobs/lifecycle/queue.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import { startOpenAiApp, submitChain, tag, waitForStatus, withPrompt } from '../jobs-harness.js';

let fake: FakeOpenAi;
let app: TestApp;
let apiOnly: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  app = await startOpenAiApp(fake);
  apiOnly = await startTestApp({ role: 'api' });
});
afterAll(async () => {
  await app?.stop();
  await apiOnly?.stop();
  await fake?.close();
});

test('a queued job has a live record, due and unheld', async () => {
  const id = await submitChain(apiOnly, [{ name: 'a', prompt: 'queued' }]);
  const record = await apiOnly.services.jobStores.live.findById(id);
  expect(record).toMatchObject({ _id: id, lease: null, leaseGeneration: 0 });
  expect(record!.runAt).toBeInstanceOf(Date);
});

test('finished jobs leave nothing in live_jobs or job_lease_claims', async () => {
  const marker = tag('live');
  const ids = [await submitChain(app, [{ name: 'a', prompt: `${marker} one` }]), await submitChain(app, [{ name: 'a', prompt: `${marker} two` }])];
  for (const id of ids) expect((await waitForStatus(app, id, ['SUCCEEDED'])).status).toBe('SUCCEEDED');
  const live = app.services.jobStores.live;
  await pollUntil(() => live.findMany(ids), (rows) => rows.length === 0, 10_000);
  const claims = app.services.jobStores.leaseClaims;
  for (const id of ids) for (let g = 1; g <= 3; g++) expect(await claims.find(`lease:${id}:${g}`)).toBeNull();
});

test('the lost-work sweep wakes a due job whose wake-up was lost, once, and only that one', async () => {
  const stores = apiOnly.services.jobStores;
  const lost = await submitChain(apiOnly, [{ name: 'a', prompt: 'lost' }]);
  const waiting = await submitChain(apiOnly, [{ name: 'a', prompt: 'waiting' }]);
  const agenda = apiOnly.db.db.collection(AGENDA_COLLECTION);
  const backlog = apiOnly.db.db.collection('job_backlog');
  // A job's wake-up wherever it waits: handed to Agenda, or in the backlog in front of it
  // (this app has no worker, so nothing is admitted from the backlog).
  const wakeUps = async (id: string) => (await agenda.countDocuments({ 'data.jobId': id })) + (await backlog.countDocuments({ jobId: id }));
  expect(await wakeUps(lost)).toBe(1);
  await agenda.deleteMany({ 'data.jobId': lost });
  await backlog.deleteMany({ jobId: lost });
  await apiOnly.db.db.collection('job_backlog_members').deleteOne({ _id: lost as never });
  // Both were due long ago; only `lost` has no wake-up.
  const sweep = () => sweepLostWork(stores, apiOnly.services.queue, createLogger('silent'), { strandedAfterMs: 0 });
  const woken = await sweep();
  expect(woken).toContain(lost);
  expect(woken).not.toContain(waiting);
  expect(await wakeUps(lost)).toBe(1);
  expect(await wakeUps(waiting)).toBe(1);
  expect(await sweep()).not.toContain(lost);
  expect(await wakeUps(lost)).toBe(1);
});

test('cancelJob on a running job returns at once with the request recorded; the worker then cancels it', async () => {
  const marker = tag('hang');
  fake.onRequest((req) => (withPrompt(fake, marker).includes(req) ? { delayMs: 60_000 } : undefined));
  const id = await submitChain(app, [{ name: 'a', prompt: `${marker} forever` }]);
  await pollUntil(async () => withPrompt(fake, marker).length, (n) => n === 1, 20_000);
  const { cancelJob } = await gqlData(app.url, app.key, `mutation($id: ID!) { cancelJob(id: $id) { id status } }`, { id });
  // As it stood when asked: nothing waited for the worker.
  expect(cancelJob).toEqual({ id, status: 'RUNNING' });
  const job = await waitForStatus(app, id, ['CANCELLED'], 10_000);
  expect(job.error).toMatchObject({ code: 'CANCELLED', step: 'a' });
  fake.onRequest(null);
});
