/**
 * `runAt` through the real API (API and worker in this process, the offline provider): a job
 * submitted 5 s ahead is SCHEDULED (listed as such, its first event SCHEDULED), starts no
 * earlier and soon after; one can be cancelled while it waits; a start time too far ahead is
 * refused naming the field; a document batch with a start time waits as a whole.
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { eventually } from '../../support/eventually.js';
import { gqlData } from '../../support/graphql-client.js';
import { getEvents, gqlErrors, JOB_FIELDS, waitForStatus } from '../jobs-harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { RUN_AT_MAX_AHEAD: '30d' } });
});
afterAll(async () => {
  await app?.stop();
});

const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id status runAt } }`;
const chain = (prompt: string) => ({ kind: 'chain', input: { steps: [{ name: 'a', prompt }] } });

test('a job 5 s ahead is SCHEDULED, listed, and starts no earlier than its runAt', async () => {
  const runAt = new Date(Date.now() + 5_000);
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, { input: { ...chain('later'), runAt: runAt.toISOString() } });
  expect(submitJob).toEqual({ id: expect.any(String), status: 'SCHEDULED', runAt: runAt.toISOString() });
  const { jobs } = await gqlData(app.url, app.key, `{ jobs(filter: { status: [SCHEDULED] }) { totalCount edges { node { id status } } } }`);
  expect(jobs.edges.map((e: any) => e.node.id)).toContain(submitJob.id);

  const done = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000, `${JOB_FIELDS} runAt`);
  expect(done.status).toBe('SUCCEEDED');
  expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(runAt.getTime());
  const events = await getEvents(app, submitJob.id);
  expect(events.map((e) => e.type).slice(0, 3)).toEqual(['SCHEDULED', 'QUEUED', 'STARTED']);
}, 60_000);

test('a SCHEDULED job can be cancelled while it waits, and never runs', async () => {
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, { input: { ...chain('never'), runAt: new Date(Date.now() + 3_000).toISOString() } });
  const { cancelJob } = await gqlData(app.url, app.key, `mutation($id: ID!) { cancelJob(id: $id) { status startedAt } }`, { id: submitJob.id });
  expect(cancelJob).toEqual({ status: 'CANCELLED', startedAt: null });
  // Past its start time its timer fires (and is deleted), finding nothing to start.
  await eventually(async () => (await app.services.jobStores.timers.findById(`run-at:${submitJob.id}`)) === null, 'the start timer to fire', 15_000);
  const after = await waitForStatus(app, submitJob.id, ['CANCELLED'], 1_000);
  expect(after.startedAt).toBeNull();
  expect((await getEvents(app, submitJob.id)).map((e) => e.type)).toEqual(['SCHEDULED', 'CANCELLED']);
}, 30_000);

test('a start time past RUN_AT_MAX_AHEAD is refused naming runAt; one in the past queues at once', async () => {
  const errors = await gqlErrors(app, SUBMIT, { input: { ...chain('far'), runAt: new Date(Date.now() + 40 * 86_400_000).toISOString() } });
  expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'runAt'] });
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, { input: { ...chain('past'), runAt: new Date(Date.now() - 60_000).toISOString() } });
  expect(submitJob.status).toBe('QUEUED');
}, 30_000);

test('analyzeDocuments with runAt: every job of the batch waits, then runs', async () => {
  const runAt = new Date(Date.now() + 3_000);
  const { analyzeDocuments } = await gqlData(
    app.url,
    app.key,
    `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id queued running jobs { edges { node { id status runAt } } } } }`,
    { input: { documents: [{ name: 'a', text: 'First memo.' }, { name: 'b', text: 'Second memo.' }], runAt: runAt.toISOString() } },
  );
  expect(analyzeDocuments.queued).toBe(2);
  expect(analyzeDocuments.jobs.edges.map((e: any) => e.node.status)).toEqual(['SCHEDULED', 'SCHEDULED']);
  for (const edge of analyzeDocuments.jobs.edges) {
    const done = await waitForStatus(app, edge.node.id, ['SUCCEEDED', 'FAILED'], 30_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(runAt.getTime());
  }
}, 60_000);
