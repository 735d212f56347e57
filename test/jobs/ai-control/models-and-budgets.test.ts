/**
 * Per-job AI parameters and budgets, end to end against the fake OpenAI server: a chain
 * with steps on two models records and prices each; options reach the provider; a model
 * outside AI_MODELS is refused naming the field; a job budget stops the job before the
 * call that would pass it (BUDGET_EXCEEDED, not retried); a tenant over its monthly
 * budget is refused new work, and `Tenant.budget` shows spent and left.
 */
import { DEFAULT_PRICES } from '../../../src/config/index.js';
import { spendPeriod, TenantBudgetsRepository } from '../../../src/db/tenants/budgets.repository.js';
import { SpendLedgerRepository } from '../../../src/db/tenants/spend-ledger.repository.js';
import { TenantBudgets } from '../../../src/jobs/ai-control/tenant-budgets.js';
import type { TestApp } from '../../support/app.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { gql, gqlData, pollUntil } from '../../support/graphql-client.js';
import { getEvents, gqlErrors, JOB_FIELDS, ReplyRouter, startOpenAiApp, submitChain, tag, waitForStatus, withPrompt } from '../jobs-harness.js';

let fake: FakeOpenAi;
let app: TestApp;
let router: ReplyRouter;
const FIELDS = `${JOB_FIELDS} steps { name model status usage { calls promptTokens completionTokens costUsd } }`;
const price = (model: string, p: number, c: number): number => (p * DEFAULT_PRICES[model]!.input + c * DEFAULT_PRICES[model]!.output) / 1e6;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  router = new ReplyRouter(fake);
  app = await startOpenAiApp(fake, { env: { AI_MODELS: 'gpt-4o-mini,gpt-4o' } });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

const SUBMIT = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }';

test('a chain with two steps on two models records both and prices each by its own model', async () => {
  const t = tag('models');
  fake.byModel('gpt-4o', { text: 'answer from the big model', usage: { prompt_tokens: 1000, completion_tokens: 500 } });
  fake.byModel('gpt-4o-mini', { text: 'answer from the small model', usage: { prompt_tokens: 2000, completion_tokens: 100 } });
  const id = await submitChain(app, [
    { name: 'small', prompt: `${t} first` },
    { name: 'big', prompt: `${t} second {{steps.small}}`, model: 'gpt-4o', temperature: 0.2, maxOutputTokens: 300 },
  ] as never);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000, FIELDS);
  expect(job.status).toBe('SUCCEEDED');
  const [small, big] = job.steps;
  expect(small.model).toBe('gpt-4o-mini');
  expect(big.model).toBe('gpt-4o');
  expect(job.result.outputs).toEqual({ small: 'answer from the small model', big: 'answer from the big model' });
  expect(small.usage.costUsd).toBeCloseTo(price('gpt-4o-mini', 2000, 100), 9);
  expect(big.usage.costUsd).toBeCloseTo(price('gpt-4o', 1000, 500), 9);
  expect(job.usage.costUsd).toBeCloseTo(price('gpt-4o-mini', 2000, 100) + price('gpt-4o', 1000, 500), 9);
  // What reached the provider: each step's model and parameters, streamed with usage.
  const [first] = withPrompt(fake, `${t} first`);
  const [second] = withPrompt(fake, `${t} second`);
  expect(first!.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
  expect(first!.body!.temperature).toBeUndefined();
  expect(second!.body).toMatchObject({ model: 'gpt-4o', temperature: 0.2, max_tokens: 300 });
  fake.byModel('gpt-4o', null);
  fake.byModel('gpt-4o-mini', null);
});

test('job-level model and parameters apply to every call of the job', async () => {
  const t = tag('joblevel');
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, {
    input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: `${t} go` }] }, model: 'gpt-4o', temperature: 1.5, maxOutputTokens: 50 },
  });
  const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 20_000, FIELDS);
  expect(job.status).toBe('SUCCEEDED');
  expect(job.steps[0].model).toBe('gpt-4o');
  expect(withPrompt(fake, `${t} go`)[0]!.body).toMatchObject({ model: 'gpt-4o', temperature: 1.5, max_tokens: 50 });
});

test('a model outside AI_MODELS, or a bad parameter, is BAD_USER_INPUT naming the field', async () => {
  const cases: Array<[Record<string, unknown>, unknown[]]> = [
    [{ kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] }, model: 'gpt-5-ultra' }, ['input', 'model']],
    [{ kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }, { name: 'b', prompt: 'y', model: 'nope' }] } }, ['input', 'input', 'steps', 1, 'model']],
    [{ kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] }, temperature: 3 }, ['input', 'temperature']],
    [{ kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] }, maxOutputTokens: 0 }, ['input', 'maxOutputTokens']],
    [{ kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] }, budget: { maxCostUsd: -1 } }, ['input', 'budget', 'maxCostUsd']],
  ];
  for (const [input, path] of cases) {
    const [err] = await gqlErrors(app, SUBMIT, { input });
    expect(err!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path });
  }
  const [err] = await gqlErrors(app, 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }', {
    input: { documents: [{ name: 'd', text: 'Some text.' }], model: 'unknown-model' },
  });
  expect(err!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'model'] });
});

test('jobKinds says which options each kind accepts and which models are allowed', async () => {
  const { jobKinds } = await gqlData(app.url, app.key, '{ jobKinds { name options models } }');
  const chain = jobKinds.find((k: { name: string }) => k.name === 'chain');
  const doc = jobKinds.find((k: { name: string }) => k.name === 'document.analyze');
  expect(chain.options).toEqual(expect.arrayContaining(['model', 'temperature', 'maxOutputTokens', 'budget', 'steps[].model']));
  expect(doc.options).toEqual(['model', 'temperature', 'maxOutputTokens', 'budget']);
  expect(chain.models).toEqual(['gpt-4o-mini', 'gpt-4o']);
});

test('a job with maxCostUsd stops with BUDGET_EXCEEDED before the call that would pass it, and is not retried', async () => {
  const t = tag('budget');
  // The first call reports a large usage; the budget leaves less than the second call's estimate.
  router.on(`${t} one`, [{ text: 'first answer', usage: { prompt_tokens: 100_000, completion_tokens: 10_000 } }]);
  const spentFirst = price('gpt-4o-mini', 100_000, 10_000);
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, {
    input: {
      kind: 'chain',
      input: { steps: [{ name: 'one', prompt: `${t} one` }, { name: 'two', prompt: `${t} two` }, { name: 'three', prompt: `${t} three` }] },
      maxAttempts: 3,
      budget: { maxCostUsd: spentFirst + 0.0001 },
    },
  });
  const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 20_000, FIELDS);
  expect(job.status).toBe('FAILED');
  expect(job.error).toMatchObject({ code: 'BUDGET_EXCEEDED', retryable: false, step: 'two' });
  expect(job.error.message).toMatch(/budget/);
  expect(job.attempt).toBe(1);
  expect(job.steps.map((s: { status: string }) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'PENDING']);
  // The call that would have passed the budget was never made.
  expect(withPrompt(fake, `${t} one`)).toHaveLength(1);
  expect(withPrompt(fake, `${t} two`)).toHaveLength(0);
  expect(job.usage.costUsd).toBeCloseTo(spentFirst, 9);
  // The terminal event follows the saved state by a moment.
  const events = await pollUntil(() => getEvents(app, submitJob.id), (e) => e.some((x) => x.type === 'FAILED'), 10_000);
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['STEP_FAILED', 'FAILED']));
  expect(events.map((e) => e.type)).not.toContain('RETRY_SCHEDULED');
});

test('maxTokens stops a job the same way', async () => {
  const t = tag('tokens');
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, {
    input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: `${t} a` }] }, budget: { maxTokens: 100 } },
  });
  const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 20_000, FIELDS);
  expect(job.error).toMatchObject({ code: 'BUDGET_EXCEEDED', step: 'a' });
  expect(withPrompt(fake, `${t} a`)).toHaveLength(0);
});

describe('tenant monthly budget', () => {
  const BUDGET = `{ viewer { budget { monthlyUsd period spentUsd leftUsd } } }`;

  test('Tenant.budget shows no limit by default, then the limit, what was spent this month and what is left', async () => {
    const key = await app.newTenantKey(tag('tb'));
    const before = await gqlData(app.url, key, BUDGET);
    expect(before.viewer.budget).toMatchObject({ monthlyUsd: null, spentUsd: 0, leftUsd: null, period: spendPeriod(new Date()) });

    const tenantId = (await gqlData(app.url, key, '{ viewer { id } }')).viewer.id as string;
    await new TenantBudgetsRepository(app.db.db).setMonthlyUsd(tenantId, 1);
    const t = tag('spend');
    router.on(`${t} go`, [{ text: 'ok', usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } }]);
    const id = await submitChain({ url: app.url, key }, [{ name: 'a', prompt: `${t} go` }]);
    const job = await waitForStatus({ url: app.url, key }, id, ['SUCCEEDED', 'FAILED']);
    expect(job.status).toBe('SUCCEEDED');
    const after = await gqlData(app.url, key, BUDGET);
    expect(after.viewer.budget.monthlyUsd).toBe(1);
    expect(after.viewer.budget.spentUsd).toBeCloseTo(0.15, 9);
    expect(after.viewer.budget.leftUsd).toBeCloseTo(0.85, 9);
  });

  test('a tenant over its monthly budget is refused new submissions with RATE_LIMITED and a clear message', async () => {
    const key = await app.newTenantKey(tag('over'));
    const tenantId = (await gqlData(app.url, key, '{ viewer { id } }')).viewer.id as string;
    const repo = new TenantBudgetsRepository(app.db.db);
    await repo.setMonthlyUsd(tenantId, 0.5);
    await new TenantBudgets(repo, new SpendLedgerRepository(app.db.db)).settle(tenantId, null, { calls: 1, promptTokens: 10, completionTokens: 0, totalTokens: 10, costUsd: 0.5 });
    const res = await gql(app.url, key, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] } } });
    expect(res.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(res.errors?.[0]?.message).toMatch(/monthly AI budget/);
    // Raising the budget lets work in again.
    await repo.setMonthlyUsd(tenantId, 5);
    const ok = await gql(app.url, key, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] } } });
    expect(ok.errors).toBeUndefined();
  });
});
