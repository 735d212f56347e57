/**
 * Cancelling a BATCH job drops its lines: one still waiting to be sent never reaches the
 * provider, and a provider batch is cancelled once none of its jobs waits for it (not before:
 * it holds another job's line), its files deleted once the provider has cancelled it. Files
 * hold two lines here, and a lone line waits an hour, so what is sent is decided by the test.
 */
import { startOpenAiApp } from '../../support/fake-openai-app.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import type { TestApp } from '../../support/app.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';

let fake: FakeOpenAi;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  app = await startOpenAiApp(fake, { env: { AI_BATCH_POLL_INTERVAL: '100ms', AI_BATCH_GATHER_WAIT: '1h', AI_BATCH_MAX_LINES: '2' } });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

const status = async (id: string): Promise<string> => (await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { status } }`, { id })).job.status;
const cancel = (id: string) => gqlData(app.url, app.key, `mutation($id: ID!) { cancelJob(id: $id) { status steps { name status } } }`, { id });
const stores = () => app.services.jobs.stores;
/** Resolves once the fleet's batch round has run `n` more times. */
async function rounds(n: number): Promise<void> {
  const start = await stores().batchRounds.latest();
  await pollUntil(() => stores().batchRounds.latest(), (latest) => latest >= start + n, 30_000, 50);
}

test('a cancelled job whose line waits to be sent: the line is dropped and never uploaded', async () => {
  const { submitJob } = await gqlData(app.url, app.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, {
    input: { kind: 'document.analyze', input: { text: 'A lonely report. Margins held.' }, executionMode: 'BATCH' },
  });
  const id = submitJob.id as string;
  await pollUntil(() => status(id), (s) => s === 'AWAITING_BATCH', 30_000, 50);
  expect((await stores().batchCalls.waiting()).map((l) => l._id)).toEqual([`${id}:summarize/chunk-0`]);
  await cancel(id);
  // The job shows AWAITING_BATCH a moment before its worker has parked it; a cancel in that
  // moment is answered with the job as it stands and carried out as soon as it is parked.
  const job = await pollUntil(
    async () => (await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { status steps { name status } } }`, { id })).job,
    (j) => j.status === 'CANCELLED',
    10_000,
    50,
  );
  expect(job.steps.find((s: { name: string }) => s.name === 'summarize').status).toBe('CANCELLED');
  // Its line and call go with the rest of what finishing owes, a moment after the status is saved.
  await pollUntil(() => stores().batchCalls.findCall(`${id}:summarize/chunk-0`), (call) => call === null, 10_000, 50);
  expect(await stores().batchCalls.waiting()).toEqual([]);
  await rounds(2);
  expect(fake.batches.lines()).toEqual([]);
  expect(fake.requestsMatching((r) => r.path.startsWith('/v1/'))).toEqual([]);
}, 60_000);

test("a provider batch is cancelled once none of its jobs waits for it, and not while one does", async () => {
  fake.batches.hold(true);
  const { analyzeDocuments } = await gqlData(app.url, app.key, `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { jobs { edges { node { id } } } } }`, {
    input: { documents: [{ name: 'a', text: 'First report. Sales rose.' }, { name: 'b', text: 'Second report. Costs fell.' }], executionMode: 'BATCH' },
  });
  const [first, second] = analyzeDocuments.jobs.edges.map((e: { node: { id: string } }) => e.node.id) as [string, string];
  // Two lines fill a file: sent at once, and held by the provider.
  await pollUntil(async () => fake.batches.batches.size, (n) => n === 1, 30_000, 50);
  const [batch] = [...fake.batches.batches.values()];
  expect(batch!.lines.map((l) => l.custom_id).sort()).toEqual([`${first}:summarize/chunk-0`, `${second}:summarize/chunk-0`].sort());
  await pollUntil(() => Promise.all([status(first), status(second)]), (s) => s.every((x) => x === 'AWAITING_BATCH'), 30_000, 50);

  await cancel(first);
  await rounds(3);
  expect(batch!.status).toBe('in_progress');
  expect(fake.requestsMatching((r) => r.path.endsWith('/cancel'))).toHaveLength(0);

  await cancel(second);
  await pollUntil(async () => batch!.status, (s) => s === 'cancelled', 30_000, 50);
  expect(fake.requestsMatching((r) => r.path.endsWith('/cancel'))).toHaveLength(1);
  // Done with: the round forgets it, and deletes its files (its input, and the error file of its cancelled lines) at the provider.
  await pollUntil(() => stores().providerBatches.open(), (open) => open.length === 0, 30_000, 50);
  expect(batch!.error_file_id).not.toBeNull();
  expect([...fake.batches.deleted].sort()).toEqual([batch!.input_file_id, batch!.error_file_id].sort());
}, 60_000);
