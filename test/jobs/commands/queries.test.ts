/**
 * Reading jobs back through GraphQL: `jobs` with filters and newest-first cursor
 * pagination, `batches`, `jobKinds`, usage summed per step, job, batch and tenant with
 * costs from the price table (AI_PRICES), and tenant isolation: another tenant's job and
 * batch are null in queries and NOT_FOUND in mutations.
 */
import type { TestApp } from '../../support/app.js';
import type { FakeOpenAi, FakeReply } from '../../support/fake-openai.js';
import { useFakeOpenAiApp } from '../../support/fake-openai-app.js';
import { gql, gqlData, pollUntil } from '../../support/graphql-client.js';
import { ReplyRouter, submitChain, USAGE_FIELDS, waitForStatus } from '../jobs-harness.js';

const started = useFakeOpenAiApp({
  env: { AI_PRICES: JSON.stringify({ 'priced-model': { input: 2, output: 4 } }) },
});
let fake: FakeOpenAi;
let app: TestApp;
let router: ReplyRouter;

beforeAll(() => {
  ({ fake, app } = started);
  router = new ReplyRouter(fake);
});

const as = (key: string) => ({ url: app.url, key });
const priced: FakeReply = { model: 'priced-model-2025-01-01', usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } };
const unpriced: FakeReply = { model: 'mystery-model', usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } };
const viewerUsage = async (key: string) => (await gqlData(app.url, key, `{ viewer { id name usage { ${USAGE_FIELDS} } } }`)).viewer;

describe('usage and cost', () => {
  let key: string;
  beforeAll(async () => {
    key = await app.newTenantKey('usage-tenant');
  });

  test('a job and its steps sum the usage of their calls, priced per million tokens', async () => {
    router.on('priced-a', [priced]).on('priced-b', [priced]);
    const id = await submitChain(as(key), [
      { name: 'a', prompt: 'priced-a go' },
      { name: 'b', prompt: 'priced-b go' },
    ]);
    const job = await waitForStatus(as(key), id, ['SUCCEEDED', 'FAILED']);
    expect(job.status).toBe('SUCCEEDED');
    // (1000 × $2 + 500 × $4) / 1M per call; the dated model name finds the alias's price.
    for (const step of job.steps) expect(step.usage).toEqual({ calls: 1, promptTokens: 1000, completionTokens: 500, totalTokens: 1500, costUsd: 0.004 });
    expect(job.usage).toEqual({ calls: 2, promptTokens: 2000, completionTokens: 1000, totalTokens: 3000, costUsd: 0.008 });
    expect(await viewerUsage(key)).toMatchObject({ name: 'usage-tenant', usage: job.usage });
  });

  test('a model without a price makes the cost unknown (null), not zero', async () => {
    router.on('unpriced-a', [unpriced]);
    const id = await submitChain(as(key), [{ name: 'a', prompt: 'unpriced-a go' }]);
    const job = await waitForStatus(as(key), id, ['SUCCEEDED', 'FAILED']);
    expect(job.usage).toEqual({ calls: 1, promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: null });
    // The tenant's sum now includes a call of unknown cost.
    expect((await viewerUsage(key)).usage).toEqual({ calls: 3, promptTokens: 2010, completionTokens: 1005, totalTokens: 3015, costUsd: null });
  });

  test('Batch.usage sums the usage of its jobs', async () => {
    const other = await app.newTenantKey('batch-usage-tenant');
    router.on('usage-doc', [priced, priced, priced, priced], { contains: true });
    const { analyzeDocuments } = await gqlData(
      app.url,
      other,
      `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }`,
      { input: { documents: [{ name: 'one', text: 'usage-doc one. More.' }, { name: 'two', text: 'usage-doc two. More.' }] } },
    );
    const query = `query($id: ID!) { batch(id: $id) { status finishedAt usage { ${USAGE_FIELDS} } jobs { edges { node { usage { ${USAGE_FIELDS} } } } } } }`;
    const { batch } = await pollUntil(
      () => gqlData(app.url, other, query, { id: analyzeDocuments.id }),
      (d) => d.batch.status !== 'RUNNING',
      30_000,
    );
    expect(batch.status).toBe('COMPLETED');
    // One chunk each: summarize + extract, two calls per document.
    for (const { node } of batch.jobs.edges) expect(node.usage).toEqual({ calls: 2, promptTokens: 2000, completionTokens: 1000, totalTokens: 3000, costUsd: 0.008 });
    expect(batch.usage).toEqual({ calls: 4, promptTokens: 4000, completionTokens: 2000, totalTokens: 6000, costUsd: 0.016 });
    expect((await viewerUsage(other)).usage).toEqual(batch.usage);
  });
});

describe('listing', () => {
  let key: string;
  const ids: string[] = [];
  let docJob: string;
  let batchIds: string[] = [];

  beforeAll(async () => {
    key = await app.newTenantKey('lister');
    for (let i = 0; i < 5; i++) ids.push(await submitChain(as(key), [{ name: 'a', prompt: `list ${i}` }]));
    const { submitJob } = await gqlData(app.url, key, `mutation { submitJob(input: { kind: "document.analyze", input: { text: "A note." } }) { id } }`);
    docJob = submitJob.id;
    for (const id of [...ids, docJob]) await waitForStatus(as(key), id, ['SUCCEEDED', 'FAILED']);
    batchIds = [];
    for (let i = 0; i < 3; i++) {
      const { analyzeDocuments } = await gqlData(
        app.url,
        key,
        `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }`,
        { input: { documents: [{ name: `b${i}`, text: `Batch ${i}.` }] } },
      );
      batchIds.push(analyzeDocuments.id);
    }
  });

  const page = async (variables: Record<string, unknown>) =>
    (
      await gqlData(
        app.url,
        key,
        `query($first: Int, $after: String, $filter: JobFilter) { jobs(first: $first, after: $after, filter: $filter) {
          totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id kind status createdAt } } } }`,
        variables,
      )
    ).jobs;

  test('jobs: newest first, in pages that follow their cursors, with the total on every page', async () => {
    const filter = { kind: 'chain' };
    const p1 = await page({ first: 2, filter });
    expect(p1.totalCount).toBe(5);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(p1.pageInfo.endCursor).toBe(p1.edges[1].cursor);
    const p2 = await page({ first: 2, after: p1.pageInfo.endCursor, filter });
    const p3 = await page({ first: 2, after: p2.pageInfo.endCursor, filter });
    expect(p2.totalCount).toBe(5);
    expect(p3.pageInfo.hasNextPage).toBe(false);
    const seen = [...p1.edges, ...p2.edges, ...p3.edges].map((e: any) => e.node.id);
    expect(seen).toEqual([...ids].reverse());
    const times = [...p1.edges, ...p2.edges, ...p3.edges].map((e: any) => Date.parse(e.node.createdAt));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]!);
    const empty = await page({ first: 0, filter });
    expect(empty).toMatchObject({ totalCount: 5, edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
  });

  test('jobs: filters by status, kind, batch and creation time', async () => {
    const all = await page({ first: 50 });
    expect(all.totalCount).toBe(9); // 5 chains, 1 document, 3 batch jobs
    expect((await page({ filter: { kind: 'document.analyze' } })).totalCount).toBe(4);
    expect((await page({ filter: { kind: 'chain', status: ['SUCCEEDED'] } })).totalCount).toBe(5);
    expect((await page({ filter: { kind: 'chain', status: ['FAILED', 'CANCELLED'] } })).totalCount).toBe(0);
    expect((await page({ filter: { kind: 'no.such.kind' } })).totalCount).toBe(0);
    const inBatch = await page({ filter: { batchId: batchIds[1] } });
    expect(inBatch.totalCount).toBe(1);
    expect(inBatch.edges[0].node.kind).toBe('document.analyze');

    const byId = new Map(all.edges.map((e: any) => [e.node.id, e.node]));
    const third = byId.get(ids[2]!) as any;
    const after = await page({ first: 50, filter: { kind: 'chain', createdAfter: third.createdAt } });
    const before = await page({ first: 50, filter: { kind: 'chain', createdBefore: third.createdAt } });
    for (const e of after.edges) expect(Date.parse(e.node.createdAt)).toBeGreaterThan(Date.parse(third.createdAt));
    for (const e of before.edges) expect(Date.parse(e.node.createdAt)).toBeLessThan(Date.parse(third.createdAt));
    expect(after.edges.map((e: any) => e.node.id)).not.toContain(ids[2]);
    expect(after.totalCount + before.totalCount).toBeLessThanOrEqual(4);
    expect(after.edges.map((e: any) => e.node.id)).toEqual(expect.arrayContaining([ids[4]]));
    expect(before.edges.map((e: any) => e.node.id)).toEqual(expect.arrayContaining([ids[0]]));
  });

  test('batches: newest first with cursors; Batch.jobs and Job.batch link both ways', async () => {
    const q = `query($after: String) { batches(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id total } } } }`;
    const p1 = (await gqlData(app.url, key, q, {})).batches;
    const p2 = (await gqlData(app.url, key, q, { after: p1.pageInfo.endCursor })).batches;
    expect(p1.totalCount).toBe(3);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect([...p1.edges, ...p2.edges].map((e: any) => e.node.id)).toEqual([...batchIds].reverse());

    const { batch } = await gqlData(app.url, key, `query($id: ID!) { batch(id: $id) { id jobs(first: 5) { totalCount edges { node { id batch { id } } } } } }`, {
      id: batchIds[0],
    });
    expect(batch.jobs.totalCount).toBe(1);
    expect(batch.jobs.edges[0].node.batch.id).toBe(batchIds[0]);
    const { job } = await gqlData(app.url, key, `query($id: ID!) { job(id: $id) { batch { id } } }`, { id: ids[0] });
    expect(job.batch).toBeNull();
  });

  test("another tenant sees none of it: null in queries, NOT_FOUND in mutations", async () => {
    const stranger = await app.newTenantKey('stranger');
    const q = (query: string, variables: Record<string, unknown>) => gql(app.url, stranger, query, variables);

    expect((await q(`query($id: ID!) { job(id: $id) { id } }`, { id: ids[0] })).data).toEqual({ job: null });
    expect((await q(`query($id: ID!) { batch(id: $id) { id } }`, { id: batchIds[0] })).data).toEqual({ batch: null });
    expect((await q(`{ jobs { totalCount edges { node { id } } } }`, {})).data?.jobs).toEqual({ totalCount: 0, edges: [] });
    expect((await q(`query($b: ID!) { jobs(filter: { batchId: $b }) { totalCount } }`, { b: batchIds[0] })).data?.jobs.totalCount).toBe(0);
    expect((await q(`{ batches { totalCount } }`, {})).data?.batches.totalCount).toBe(0);
    expect((await q(`{ viewer { usage { calls totalTokens } } }`, {})).data?.viewer.usage).toEqual({ calls: 0, totalTokens: 0 });

    for (const [mutation, id] of [
      ['cancelJob', ids[0]],
      ['retryJob', ids[0]],
      ['cancelBatch', batchIds[0]],
    ] as const) {
      const res = await q(`mutation($id: ID!) { ${mutation}(id: $id) { id } }`, { id });
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(res.errors?.[0]?.message).not.toMatch(/tenant/i);
    }
    // And nothing changed for the owner.
    const { job } = await gqlData(app.url, key, `query($id: ID!) { job(id: $id) { status } }`, { id: ids[0] });
    expect(job.status).toBe('SUCCEEDED');
    // An id that exists nowhere behaves the same.
    expect((await q(`query { job(id: "nope") { id } }`, {})).data).toEqual({ job: null });
    expect((await q(`mutation { cancelJob(id: "nope") { id } }`, {})).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

test('jobKinds lists the built-in kinds with their steps and input schemas', async () => {
  const { jobKinds } = await gqlData(app.url, app.key, `{ jobKinds { name description steps inputSchema tools { name } } }`);
  const byName = Object.fromEntries(jobKinds.map((k: any) => [k.name, k]));
  expect(Object.keys(byName).sort()).toEqual(['agent', 'chain', 'document.analyze']);
  // No kinds module and no MCP server: the agent kind has no tool to offer.
  expect(byName.agent.tools).toEqual([]);
  expect(byName['document.analyze'].steps).toEqual(['read (for a file)', 'prepare', 'summarize', 'combine', 'extract', 'review (with review)']);
  // Exactly one of text and file: checked by the kind (errors name the field), so neither is `required`.
  expect(byName['document.analyze'].inputSchema).toMatchObject({
    type: 'object',
    properties: {
      text: { type: 'string' },
      file: { type: 'object', maxProperties: 1, properties: { id: { type: 'string' }, url: { type: 'string' } } },
      name: { type: 'string' },
      instructions: { type: 'string' },
    },
  });
  expect(byName['document.analyze'].inputSchema.required).toBeUndefined();
  expect(byName.chain.inputSchema).toMatchObject({
    type: 'object',
    required: ['steps'],
    properties: { steps: { type: 'array', items: { required: ['name', 'prompt'] } }, variables: { type: 'object' }, files: { type: 'object' } },
  });
  for (const kind of jobKinds) expect(kind.description.length).toBeGreaterThan(10);
});
