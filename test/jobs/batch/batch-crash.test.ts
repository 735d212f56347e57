/**
 * Workers killed (SIGKILL) in the middle of sending a batch: the first after its batch file
 * reached the provider but before it heard back, the second after the provider created the
 * batch but before it heard back. The worker after each finds the file, then the batch, in
 * the provider's own lists instead of sending them again: one upload and one batch per batch
 * file, every line once, no realtime call, and every answer reaches its job. The workers are
 * real processes (`node dist/main.js`, ROLE=worker). Needs `npm run build` (npm test does it).
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';

let fake: FakeOpenAi;
let api: TestApp;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
  api = await startTestApp({ role: 'api' });
});
afterAll(async () => {
  await Promise.allSettled(workers.splice(0).map((w) => w.stop('SIGKILL')));
  await api?.stop();
  await fake?.close();
});

async function startWorker(lease: string): Promise<ServiceProcess> {
  const worker = await startServiceProcess({
    ROLE: 'worker',
    MONGODB_URI: api.db.uri,
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test',
    JOB_LEASE: lease,
    AI_BATCH_POLL_INTERVAL: '200ms',
    AI_BATCH_GATHER_WAIT: '2s',
  });
  workers.push(worker);
  return worker;
}

const posts = (path: string) => fake.requestsMatching((r) => r.method === 'POST' && r.path === path);

test('killed after the upload, then after the batch was created: nothing is sent twice and no answer is lost', async () => {
  fake.batches.hangNext('upload');
  const a = await startWorker('3s');
  const documents = Array.from({ length: 5 }, (_, i) => ({ name: `d${i}`, text: `Report ${i}. Orders rose ${i + 1}% and returns fell.` }));
  const { analyzeDocuments } = await gqlData(api.url, api.key, `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id jobs { edges { node { id } } } } }`, {
    input: { documents, executionMode: 'BATCH' },
  });
  const ids = analyzeDocuments.jobs.edges.map((e: { node: { id: string } }) => e.node.id) as string[];

  // The provider has the file (the summaries of the jobs that had parked by then); the worker never heard so.
  await pollUntil(async () => fake.batches.lines().length, (n) => n > 0, 60_000, 50);
  expect((await a.stop('SIGKILL')).signal).toBe('SIGKILL');
  expect(posts('/v1/batches')).toHaveLength(0);
  const [first] = [...fake.batches.files.values()];

  fake.batches.hangNext('create');
  const b = await startWorker('3s');
  // B found that file (no second upload of it) and made it a batch; it never heard so either.
  await pollUntil(async () => [...fake.batches.batches.values()].some((x) => x.input_file_id === first!.id), Boolean, 60_000, 50);
  expect((await b.stop('SIGKILL')).signal).toBe('SIGKILL');

  await startWorker('10s');
  const jobs = await pollUntil(
    () => Promise.all(ids.map(async (id) => (await gqlData(api.url, api.key, `query($id: ID!) { job(id: $id) { status result usage { calls costUsd } } }`, { id })).job)),
    (js) => js.every((j) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status)),
    120_000,
    250,
  );
  expect(jobs.map((j) => j.status)).toEqual(Array(5).fill('SUCCEEDED'));
  for (const j of jobs) expect(j.usage.calls).toBe(2);

  // Every call in one line of one file; each file uploaded once and made one batch once.
  const lines = fake.batches.lines();
  expect(lines).toHaveLength(10);
  expect(new Set(lines.map((l) => l.custom_id)).size).toBe(10);
  const inputFiles = new Set(lines.map((l) => l.file));
  expect(posts('/v1/files')).toHaveLength(inputFiles.size);
  expect(posts('/v1/batches')).toHaveLength(inputFiles.size);
  expect([...fake.batches.batches.values()].map((x) => x.input_file_id).sort()).toEqual([...inputFiles].sort());
  expect(posts('/v1/chat/completions')).toHaveLength(0);
}, 240_000);
