/**
 * The seed's worked example, end to end across OS processes: `node dist/main.js` with
 * ROLE=api takes `analyzeDocuments` with 50 documents, a separate ROLE=worker process runs
 * the jobs with the openai provider against the fake OpenAI server, and the batch's
 * progress runs to "Analysed 50 of 50 documents" with every job SUCCEEDED, its result and
 * usage stored. Needs `npm run build` (npm test does it).
 */
import { createApiKey } from '../../../src/auth/api-keys.js';
import { TenantsRepository } from '../../../src/db/tenants/tenants.repository.js';
import { createTestDb, type TestDb } from '../../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { isCombine, isExtract, isSummarize, USAGE_FIELDS } from '../jobs-harness.js';

let fake: FakeOpenAi;
let db: TestDb;
let api: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let key: string;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  db = await createTestDb('batch50');
  const common = {
    MONGODB_URI: db.uri,
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test',
  };
  [api, worker] = await Promise.all([
    // No subscriptions here: a slower event poll leaves the shared test database to the jobs.
    startServiceProcess({ ...common, ROLE: 'api', EVENT_POLL_INTERVAL: '1s' }),
    // A lease that tolerates a busy two-core machine (heartbeats give up after half of it).
    startServiceProcess({ ...common, ROLE: 'worker', WORKER_CONCURRENCY: '8', JOB_LEASE: '20s' }),
  ]);
  key = (await createApiKey(new TenantsRepository(db.db), 'seed-example')).key;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([api?.stop(), worker?.stop()]);
  await fake?.close();
  await db?.close();
});

const BATCH = `id status total queued running succeeded failed cancelled finishedAt
  progress { completed total percent message }
  usage { ${USAGE_FIELDS} }`;

test('50 documents: API and worker in separate processes; the batch runs to "Analysed 50 of 50 documents"', async () => {
  const documents = Array.from({ length: 50 }, (_, i) => ({
    name: `doc-${i}.txt`,
    text: `Report ${i}. Revenue grew in quarter ${(i % 4) + 1} while costs stayed flat. The team shipped feature ${i}.`,
  }));
  const { analyzeDocuments } = await gqlData(
    api!.url,
    key,
    `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { ${BATCH} } }`,
    { input: { documents, instructions: 'focus on growth', metadata: { source: 'seed' } } },
  );
  // The worker starts on the first jobs while the API is still enqueueing the rest.
  expect(analyzeDocuments).toMatchObject({ status: 'RUNNING', total: 50 });
  expect(analyzeDocuments.progress.message).toMatch(/^Analysed \d+ of 50 documents$/);

  // The batch's progress, as a client polling it would see it.
  const seen = new Set<string>();
  let { batch } = await pollUntil(
    async () => {
      const data = await gqlData(api!.url, key, `query($id: ID!) { batch(id: $id) { status finishedAt progress { message } } }`, { id: analyzeDocuments.id });
      seen.add(data.batch.progress.message);
      return data;
    },
    // finishedAt is written when the last job's worker settles the batch, just after its counts say COMPLETED.
    (d) => d.batch.status !== 'RUNNING' && d.batch.finishedAt !== null,
    120_000,
    500,
  );
  ({ batch } = await gqlData(api!.url, key, `query($id: ID!) { batch(id: $id) { ${BATCH} } }`, { id: analyzeDocuments.id }));
  expect(batch).toMatchObject({ status: 'COMPLETED', total: 50, succeeded: 50, failed: 0, cancelled: 0, queued: 0, running: 0 });
  expect(batch.progress).toEqual({ completed: 50, total: 50, percent: 100, message: 'Analysed 50 of 50 documents' });
  expect(batch.finishedAt).not.toBeNull();
  // It got there step by step, not in one jump.
  expect([...seen].filter((m) => /^Analysed ([1-9]|[1-4]\d) of 50 documents$/.test(m)).length).toBeGreaterThan(0);

  const { batch: withJobs } = await gqlData(
    api!.url,
    key,
    `query($id: ID!) { batch(id: $id) { jobs(first: 50) { totalCount edges { node {
        id kind status input result metadata usage { ${USAGE_FIELDS} } steps { name status }
      } } } } }`,
    { id: analyzeDocuments.id },
  );
  expect(withJobs.jobs.totalCount).toBe(50);
  const jobs = withJobs.jobs.edges.map((e: any) => e.node);
  const names = new Set<string>();
  for (const job of jobs) {
    expect(job.kind).toBe('document.analyze');
    expect(job.status).toBe('SUCCEEDED');
    expect(job.metadata).toEqual({ source: 'seed' });
    expect(job.input.instructions).toBe('focus on growth');
    expect(job.steps.map((s: any) => `${s.name}:${s.status}`)).toEqual([
      'prepare:SUCCEEDED',
      'summarize:SUCCEEDED',
      'combine:SUCCEEDED',
      'extract:SUCCEEDED',
    ]);
    expect(job.result).toEqual({
      summary: expect.stringContaining(`Report ${job.input.name.match(/\d+/)[0]}.`),
      keyPoints: expect.any(Array),
      topics: expect.any(Array),
      sentiment: 'neutral',
      entities: [],
      chunks: 1,
      model: 'gpt-4o-mini',
    });
    expect(job.result.keyPoints.length).toBeGreaterThan(0);
    expect(job.usage.calls).toBeGreaterThan(0);
    expect(job.usage.totalTokens).toBeGreaterThan(0);
    expect(job.usage.costUsd).toBeGreaterThan(0);
    names.add(job.input.name);
  }
  expect(names.size).toBe(50);

  // Two calls per one-chunk document, each made once; the batch's usage is their sum.
  expect(fake.requestsMatching(isSummarize)).toHaveLength(50);
  expect(fake.requestsMatching(isCombine)).toHaveLength(0);
  expect(fake.requestsMatching(isExtract)).toHaveLength(50);
  expect(fake.requests.every((r) => r.body?.model === 'gpt-4o-mini')).toBe(true);
  const sum = (f: string) => jobs.reduce((acc: number, j: any) => acc + j.usage[f], 0);
  expect(batch.usage).toMatchObject({ calls: 100, promptTokens: sum('promptTokens'), completionTokens: sum('completionTokens'), totalTokens: sum('totalTokens') });
  expect(batch.usage.costUsd).toBeCloseTo(sum('costUsd'), 6);

  // The API process ran no job: only the worker talked to the AI provider.
  expect(api!.stdout()).toMatch(/Role: api/);
  expect(worker!.stdout()).toMatch(/Role: worker; AI provider: openai/);
}, 150_000);
