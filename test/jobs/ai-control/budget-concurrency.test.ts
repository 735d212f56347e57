/**
 * A tenant's monthly budget under concurrency: four chain jobs run side by side against a
 * $0.001 month, each call costing about 40% of it and answered slowly so that calls
 * overlap. Checked-then-spent (no reservation), all four first calls pass together and the
 * month ends at ~$0.0016; with reservations in the spend ledger the total stays within the
 * budget plus one call's estimate — in one process, and across two worker processes.
 * Also: a budgeted call without maxOutputTokens has its answer capped at the estimate.
 */
import { DEFAULT_PRICES } from '../../../src/config/index.js';
import { TenantBudgetsRepository } from '../../../src/db/tenants/budgets.repository.js';
import { DEFAULT_OUTPUT_ESTIMATE_TOKENS, estimateCall } from '../../../src/jobs/ai-control/budgets.js';
import type { ChatMessage } from '../../../src/ai/index.js';
import type { TestApp } from '../../support/app.js';
import { createTestDb, type TestDb } from '../../support/db.js';
import { startFakeOpenAi, type FakeOpenAi, type FakeReply, type RecordedRequest } from '../../support/fake-openai.js';
import { gqlData } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { newKey, stopAll } from '../live/subscriptions-harness.js';
import { startOpenAiApp, tag, userOf, waitForStatus } from '../jobs-harness.js';

const BUDGET_USD = 0.001;
const MAX_OUTPUT = 680;
/** What the fake says each call used: a little under the estimate, as a capped answer is. */
const REPLY: FakeReply = { text: 'a paid answer', usage: { prompt_tokens: 20, completion_tokens: 660 }, delayMs: 300 };
const SUBMIT = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }';
const FIELDS = 'id status error { code } usage { calls costUsd }';

/** The estimate the worker made for a request (its prompt plus the answer's cap). */
function estimateOf(req: RecordedRequest): number {
  const messages = (req.body!.messages as ChatMessage[]).map((m) => ({ role: m.role, content: m.content }));
  return estimateCall('gpt-4o-mini', messages, MAX_OUTPUT, DEFAULT_PRICES, false).costUsd!;
}

async function tenantIdOf(url: string, key: string): Promise<string> {
  return (await gqlData(url, key, '{ viewer { id } }')).viewer.id as string;
}

/** Submits four three-step chains at once and waits for all to finish. */
async function runFourJobs(url: string, key: string, marker: string): Promise<Array<{ status: string; error: { code: string } | null; usage: { calls: number; costUsd: number } }>> {
  const ids = await Promise.all(
    [0, 1, 2, 3].map(async (j) => {
      const steps = [1, 2, 3].map((s) => ({ name: `s${s}`, prompt: `${marker} job ${j} step ${s}` }));
      const { submitJob } = await gqlData(url, key, SUBMIT, { input: { kind: 'chain', input: { steps }, maxOutputTokens: MAX_OUTPUT, maxAttempts: 1 } });
      return submitJob.id as string;
    }),
  );
  return Promise.all(ids.map((id) => waitForStatus({ url, key }, id, ['SUCCEEDED', 'FAILED'], 60_000, FIELDS)));
}

function expectWithinBudget(jobs: Awaited<ReturnType<typeof runFourJobs>>, requests: RecordedRequest[], spentUsd: number): void {
  const spent = jobs.reduce((sum, j) => sum + j.usage.costUsd, 0);
  expect(spentUsd).toBeCloseTo(spent, 9);
  const estimate = Math.max(...requests.map(estimateOf));
  expect(spent).toBeLessThanOrEqual(BUDGET_USD + estimate);
  // The budget was used (more than one call was paid), and the rest were refused before they were made.
  expect(requests.length).toBeGreaterThanOrEqual(2);
  expect(jobs.filter((j) => j.status === 'FAILED').every((j) => j.error?.code === 'BUDGET_EXCEEDED')).toBe(true);
  expect(jobs.some((j) => j.error?.code === 'BUDGET_EXCEEDED')).toBe(true);
}

describe('one process', () => {
  let fake: FakeOpenAi;
  let app: TestApp;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    app = await startOpenAiApp(fake, { env: { WORKER_CONCURRENCY: '8', TENANT_MAX_RUNNING: '8' } });
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  test('four concurrent jobs spend at most the budget plus one call’s estimate', async () => {
    const marker = tag('budget4');
    fake.onRequest((req) => (userOf(req).startsWith(marker) ? REPLY : undefined));
    const key = await app.newTenantKey(tag('tenant'));
    await new TenantBudgetsRepository(app.db.db).setMonthlyUsd(await tenantIdOf(app.url, key), BUDGET_USD);

    const jobs = await runFourJobs(app.url, key, marker);
    const { viewer } = await gqlData(app.url, key, '{ viewer { budget { spentUsd } } }');
    expectWithinBudget(jobs, fake.requestsMatching((r) => userOf(r).startsWith(marker)), viewer.budget.spentUsd);
    // Every reservation was settled or released: nothing stays held.
    const last = await app.db.db.collection('tenant_spend_ledger').find({ tenantId: await tenantIdOf(app.url, key) }).sort({ seq: -1 }).limit(1).next();
    expect(last?.open).toEqual([]);
  }, 90_000);

  test('a budgeted call that sets no maxOutputTokens is capped at the estimate’s answer tokens', async () => {
    const marker = tag('cap');
    const key = await app.newTenantKey(tag('capped'));
    await new TenantBudgetsRepository(app.db.db).setMonthlyUsd(await tenantIdOf(app.url, key), 1);
    const { submitJob } = await gqlData(app.url, key, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: `${marker} go` }] } } });
    expect((await waitForStatus({ url: app.url, key }, submitJob.id, ['SUCCEEDED', 'FAILED'])).status).toBe('SUCCEEDED');
    const [req] = fake.requestsMatching((r) => userOf(r).startsWith(marker));
    expect(req!.body!.max_tokens).toBe(DEFAULT_OUTPUT_ESTIMATE_TOKENS);
  });
});

describe('two worker processes', () => {
  let db: TestDb | undefined;
  let fake: FakeOpenAi | undefined;
  let api: ServiceProcess | undefined;
  let workers: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDb('budget_procs');
    fake = await startFakeOpenAi();
    api = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'api' });
    const env = {
      MONGODB_URI: db.uri,
      ROLE: 'worker',
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'test',
      WORKER_CONCURRENCY: '4',
      TENANT_MAX_RUNNING: '8',
    };
    workers = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
  }, 120_000);

  afterAll(async () => {
    await stopAll([], [api, ...workers]);
    await fake?.close();
    await db?.close();
  }, 60_000);

  test('four concurrent jobs on two workers spend at most the budget plus one call’s estimate', async () => {
    const marker = tag('budgetprocs');
    fake!.onRequest((req) => (userOf(req).startsWith(marker) ? REPLY : undefined));
    const key = await newKey(db!, tag('procs'));
    await new TenantBudgetsRepository(db!.db).setMonthlyUsd(await tenantIdOf(api!.url, key), BUDGET_USD);

    const jobs = await runFourJobs(api!.url, key, marker);
    const { viewer } = await gqlData(api!.url, key, '{ viewer { budget { spentUsd } } }');
    const requests = fake!.requestsMatching((r) => userOf(r).startsWith(marker));
    expectWithinBudget(jobs, requests, viewer.budget.spentUsd);
  }, 120_000);
});
