/**
 * executionMode BATCH end to end against the fake OpenAI server's Files and Batch API: 20
 * documents go through one or a few batch files whose lines are exactly the calls needed, with
 * no realtime call, and cost half what the same tokens cost in realtime; a failed line is sent
 * again; an expired batch leaves its unanswered calls to be made at once; progress says how far
 * the provider's batch is; a passed batchDeadline stops the wait; a batch done with has its
 * files deleted at the provider, and a delete that fails holds up no job.
 */
import { startOpenAiApp } from '../../support/fake-openai-app.js';
import { fakeErrors, startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import type { TestApp } from '../../support/app.js';
import { gql, gqlData, pollUntil } from '../../support/graphql-client.js';
import { FILE_DELETE_TRIES } from '../../../src/jobs/batch/batch-files.js';

const BATCH_ENV = { AI_BATCH_POLL_INTERVAL: '150ms', AI_BATCH_GATHER_WAIT: '600ms' };
const USAGE = 'calls promptTokens completionTokens totalTokens costUsd realtimeCostUsd savedUsd';
const JOB = `id status executionMode batchDeadline batchFallback result usage { ${USAGE} } progress { message } steps { name status attempts message usage { ${USAGE} } }`;
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

let fake: FakeOpenAi;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  app = await startOpenAiApp(fake, { env: BATCH_ENV });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});
beforeEach(() => fake.reset());

const documents = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ name: `doc-${i}`, text: `Report ${tag} number ${i}. Revenue grew ${i + 3}% while costs fell. The board approved the plan.` }));

async function analyze(docs: Array<{ name: string; text: string }>, extra: Record<string, unknown> = {}): Promise<string[]> {
  const { analyzeDocuments } = await gqlData(app.url, app.key, `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id jobs(first: 100) { edges { node { id } } } } }`, {
    input: { documents: docs, ...extra },
  });
  return analyzeDocuments.jobs.edges.map((e: { node: { id: string } }) => e.node.id);
}

const job = async (id: string): Promise<any> => (await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { ${JOB} } }`, { id })).job;

async function finished(ids: string[], timeoutMs = 90_000): Promise<any[]> {
  return pollUntil(() => Promise.all(ids.map(job)), (jobs) => jobs.every((j) => FINISHED.includes(j.status)), timeoutMs, 200);
}

const chatCalls = () => fake.requestsMatching((r) => r.path === '/v1/chat/completions');
/** Resolves once the round has forgotten every batch: its jobs woken, its files deleted (or given up). */
const allBatchesDone = () => pollUntil(() => app.services.jobs.stores.providerBatches.open(), (open) => open.length === 0, 30_000, 100);
const notDeleted = () => [...fake.batches.files.keys()].filter((id) => !fake.batches.deleted.has(id));
const fileDeletes = (id: string) => fake.requestsMatching((r) => r.method === 'DELETE' && r.path === `/v1/files/${id}`).length;
const sum = (jobs: any[], field: string) => jobs.reduce((s, j) => s + j.usage[field], 0);

test('20 documents in BATCH mode: a few batch files holding exactly the calls needed, no realtime call, every result stored, half the realtime cost for the same tokens', async () => {
  const docs = documents(20, 'batch');
  const ids = await analyze(docs, { executionMode: 'BATCH' });
  const done = await finished(ids);
  expect(done.map((j) => j.status)).toEqual(Array(20).fill('SUCCEEDED'));
  expect(chatCalls()).toHaveLength(0);
  for (const j of done) {
    expect(j.executionMode).toBe('BATCH');
    expect(j.result.keyPoints.length).toBeGreaterThan(0);
    expect(j.batchFallback).toBeNull();
  }
  // Each short document needs one summary and one extraction: 40 lines, each once.
  const lines = fake.batches.lines();
  expect(lines).toHaveLength(40);
  expect(new Set(lines.map((l) => l.custom_id)).size).toBe(40);
  for (const id of ids) {
    expect(lines.filter((l) => l.custom_id.startsWith(`${id}:`)).map((l) => l.custom_id.slice(id.length + 1)).sort()).toEqual(['extract/call', 'summarize/chunk-0']);
  }
  const files = new Set(lines.map((l) => l.file));
  expect(files.size).toBeGreaterThanOrEqual(2); // the extractions can only follow the summaries
  expect(files.size).toBeLessThanOrEqual(8);
  expect(fake.requestsMatching((r) => r.method === 'POST' && r.path === '/v1/batches')).toHaveLength(files.size);
  for (const l of lines) expect(l.body.service_tier).toBeUndefined();
  // Done with: every input and output file is deleted at the provider.
  await allBatchesDone();
  expect(fake.batches.files.size).toBe(2 * files.size);
  expect(notDeleted()).toEqual([]);

  // The same documents at once: the same tokens, twice the cost.
  fake.reset();
  const realtime = await finished(await analyze(documents(20, 'batch')));
  expect(chatCalls()).toHaveLength(40);
  expect(sum(done, 'promptTokens')).toBe(sum(realtime, 'promptTokens'));
  expect(sum(done, 'completionTokens')).toBe(sum(realtime, 'completionTokens'));
  const batchCost = sum(done, 'costUsd');
  const realtimeCost = sum(realtime, 'costUsd');
  expect(realtimeCost).toBeGreaterThan(0);
  expect(batchCost).toBeCloseTo(realtimeCost / 2, 9);
  expect(sum(done, 'realtimeCostUsd')).toBeCloseTo(realtimeCost, 9);
  expect(sum(done, 'savedUsd')).toBeCloseTo(realtimeCost / 2, 9);
  expect(sum(realtime, 'savedUsd')).toBe(0);
}, 180_000);

test('a failed line is sent again in a later batch, and a line that keeps failing for good fails its job with the error', async () => {
  let failures = 0;
  fake.batches.onLine((line) => (line.custom_id.endsWith('summarize/chunk-0') && line.body.messages?.some((m) => String(m.content).includes('flaky')) && failures++ === 0 ? fakeErrors.serverError(500) : undefined));
  const [flaky] = await analyze([{ name: 'flaky', text: 'A flaky report. Sales rose.' }], { executionMode: 'BATCH' });
  const [done] = await finished([flaky!]);
  expect(done.status).toBe('SUCCEEDED');
  const sent = fake.batches.lines().filter((l) => l.custom_id === `${flaky}:summarize/chunk-0`);
  expect(sent).toHaveLength(2);
  expect(new Set(sent.map((l) => l.file)).size).toBe(2);
  expect(chatCalls()).toHaveLength(0);

  fake.batches.onLine((line) => (line.body.messages?.some((m) => String(m.content).includes('refused')) ? fakeErrors.invalidRequest('bad request') : undefined));
  const [refused] = await analyze([{ name: 'refused', text: 'A refused report. Sales rose.' }], { executionMode: 'BATCH', idempotencyKey: `refused-${Date.now()}` });
  const [failed] = await finished([refused!]);
  expect(failed.status).toBe('FAILED');
  const { data } = await gql(app.url, app.key, `query($id: ID!) { job(id: $id) { error { code retryable step } } }`, { id: refused });
  expect(data.job.error).toMatchObject({ code: 'INVALID_INPUT', retryable: false, step: 'summarize' });
  // Not retryable: sent once.
  expect(fake.batches.lines().filter((l) => l.custom_id === `${refused}:summarize/chunk-0`)).toHaveLength(1);
}, 120_000);

test("an expired batch: what it answered is used, what it did not is made at once", async () => {
  fake.batches.expireAfter(2);
  const ids = await analyze(documents(4, 'expiring'), { executionMode: 'BATCH' });
  await pollUntil(async () => [...fake.batches.batches.values()].some((b) => b.status === 'expired'), Boolean, 60_000, 100);
  fake.batches.expireAfter(null);
  const done = await finished(ids);
  expect(done.map((j) => j.status)).toEqual(Array(4).fill('SUCCEEDED'));
  const fellBack = done.filter((j) => j.batchFallback !== null);
  expect(fellBack.length).toBe(2);
  for (const j of fellBack) expect(j.batchFallback).toMatch(/expired/);
  // The two unanswered summaries, then those two jobs' extractions, at once; nothing answered twice.
  expect(chatCalls()).toHaveLength(4);
  const lines = fake.batches.lines();
  expect(new Set(lines.map((l) => l.custom_id)).size).toBe(lines.length);
  // The expired batch's three files (input, output, error) are deleted at the provider, like every other.
  await allBatchesDone();
  const expired = [...fake.batches.batches.values()].find((b) => b.status === 'expired')!;
  for (const id of [expired.input_file_id, expired.output_file_id, expired.error_file_id]) expect(id !== null && fake.batches.deleted.has(id)).toBe(true);
  expect(notDeleted()).toEqual([]);
}, 120_000);

test("a failing delete of a batch's files holds up no job: a server error is tried again in a few later rounds, a refusal once", async () => {
  fake.batches.failDeletes(500);
  const [first] = await finished(await analyze(documents(1, 'undeletable'), { executionMode: 'BATCH' }));
  expect(first.status).toBe('SUCCEEDED');
  expect(chatCalls()).toHaveLength(0);
  await allBatchesDone();
  const tried = [...fake.batches.files.keys()];
  expect(tried.length).toBeGreaterThanOrEqual(4); // two batches (summary, then extraction), each an input and an output file
  expect(fake.batches.deleted.size).toBe(0);
  for (const id of tried) expect(fileDeletes(id)).toBe(FILE_DELETE_TRIES);

  fake.batches.failDeletes(403);
  const [second] = await finished(await analyze(documents(1, 'forbidden'), { executionMode: 'BATCH', idempotencyKey: `forbidden-${Date.now()}` }));
  expect(second.status).toBe('SUCCEEDED');
  await allBatchesDone();
  const refused = [...fake.batches.files.keys()].filter((id) => !tried.includes(id));
  expect(refused.length).toBeGreaterThanOrEqual(4);
  for (const id of refused) expect(fileDeletes(id)).toBe(1);
  expect(fake.batches.deleted.size).toBe(0);
}, 120_000);

test("progress says how far the provider's batch is while the job holds no worker", async () => {
  fake.batches.hold(true);
  const ids = await analyze(documents(3, 'progress'), { executionMode: 'BATCH' });
  const waiting = await pollUntil(() => Promise.all(ids.map(job)), (jobs) => jobs.every((j) => j.status === 'AWAITING_BATCH' && /in the provider's batch: 0 of 3 answered/i.test(j.progress.message)), 60_000, 100);
  expect(waiting[0].steps.find((s: any) => s.name === 'summarize').status).toBe('RUNNING');
  // Their document batch is under way, not done: jobs waiting for the provider count as running.
  const { job: inBatch } = await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { batch { status running succeeded } } }`, { id: ids[0] });
  expect(inBatch.batch).toEqual({ status: 'RUNNING', running: 3, succeeded: 0 });
  fake.batches.answerPerPoll(2);
  fake.batches.hold(false);
  await pollUntil(() => job(ids[0]!), (j) => /2 of 3 answered/.test(j.progress.message) || j.status !== 'AWAITING_BATCH', 60_000, 50);
  fake.batches.answerPerPoll(null);
  expect((await finished(ids)).map((j) => j.status)).toEqual(Array(3).fill('SUCCEEDED'));
}, 120_000);

test('a passed batchDeadline stops the wait: the rest is made at once', async () => {
  fake.batches.hold(true);
  const deadline = new Date(Date.now() + 4_000).toISOString();
  const { submitJob } = await gqlData(app.url, app.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id batchDeadline executionMode } }`, {
    input: { kind: 'document.analyze', input: { text: 'A late report. Profits doubled.' }, executionMode: 'BATCH', batchDeadline: deadline },
  });
  expect(submitJob.batchDeadline).toBe(deadline);
  const [done] = await finished([submitJob.id]);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.batchFallback).toMatch(/batchDeadline/);
  expect(chatCalls().length).toBe(2);
  // Nobody waits for the held batch any more: the round cancels it at the provider.
  await pollUntil(async () => [...fake.batches.batches.values()].every((b) => b.status === 'cancelled' || b.status === 'cancelling'), Boolean, 30_000, 100);
}, 60_000);

test('BATCH with cache: true: answers the batch gave are stored for reuse, so an identical job sends no line', async () => {
  const doc = [{ name: 'cached', text: 'A cached report. Exports grew.' }];
  const [first] = await finished(await analyze(doc, { executionMode: 'BATCH', cache: true }));
  expect(first.status).toBe('SUCCEEDED');
  const sent = fake.batches.lines().length;
  expect(sent).toBe(2);
  const [second] = await finished(await analyze(doc, { executionMode: 'BATCH', cache: true, idempotencyKey: `again-${Date.now()}` }));
  expect(second.status).toBe('SUCCEEDED');
  expect(fake.batches.lines()).toHaveLength(sent);
  expect(chatCalls()).toHaveLength(0);
  const { data } = await gql(app.url, app.key, `query($id: ID!) { job(id: $id) { usage { calls cachedCalls costUsd savedUsd realtimeCostUsd } } }`, { id: second.id });
  expect(data.job.usage).toMatchObject({ calls: 0, cachedCalls: 2, costUsd: 0 });
  expect(data.job.usage.savedUsd).toBeCloseTo(data.job.usage.realtimeCostUsd, 12);
  expect(data.job.usage.savedUsd).toBeGreaterThan(0);
}, 120_000);

test('bad batch options are refused naming the field', async () => {
  const submit = (extra: Record<string, unknown>) =>
    gql(app.url, app.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, { input: { kind: 'document.analyze', input: { text: 'x' }, ...extra } });
  const past = await submit({ executionMode: 'BATCH', batchDeadline: new Date(Date.now() - 1000).toISOString() });
  expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'batchDeadline'] });
  const realtime = await submit({ batchDeadline: new Date(Date.now() + 60_000).toISOString() });
  expect(realtime.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'batchDeadline'] });
  expect(realtime.errors?.[0]?.message).toMatch(/BATCH/);
  // A schedule's BATCH jobs take no fixed deadline: each tick's job gets AI_BATCH_DEADLINE.
  const schedule = (job: Record<string, unknown>) =>
    gql(app.url, app.key, `mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }`, { input: { name: 'nightly', cron: '0 3 * * *', job: { kind: 'document.analyze', input: { text: 'x' }, ...job } } });
  const fixed = await schedule({ executionMode: 'BATCH', batchDeadline: new Date(Date.now() + 60_000).toISOString() });
  expect(fixed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'job', 'batchDeadline'] });
  expect((await schedule({ executionMode: 'BATCH' })).errors).toBeUndefined();
});
