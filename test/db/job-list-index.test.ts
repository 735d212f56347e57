/**
 * The job list index on the real test server: pages newest first and stable across status
 * changes, counts exact (also with concurrent writers), tenants apart, and a list over jobs
 * with large inputs that reads only the fields asked for.
 */
import { JobsRepository } from '../../src/db/jobs/jobs.repository.js';
import type { JobDoc, JobStatusValue } from '../../src/db/jobs/docs.js';
import { BUCKET_SIZE } from '../../src/db/jobs/job-list-docs.js';
import { createTestDb, type TestDb } from '../support/db.js';

let t: TestDb;
let jobs: JobsRepository;

beforeAll(async () => {
  t = await createTestDb('lists');
  jobs = new JobsRepository(t.db);
  await jobs.ensureIndexes();
});
afterAll(() => t.close());

const base = Date.now() - 1_000_000;
function job(tenantId: string, i: number, extra: Partial<JobDoc> = {}): JobDoc {
  return {
    _id: `${tenantId}-${String(i).padStart(6, '0')}`,
    tenantId,
    kind: i % 3 === 0 ? 'document.analyze' : 'chain',
    status: 'QUEUED',
    input: JSON.stringify({ i }),
    metadata: null,
    result: null,
    error: null,
    steps: [],
    progress: { completed: 0, total: 1, percent: 0, message: null },
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    batchId: null,
    idempotencyKey: null,
    requestHash: 'x',
    usage: { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 },
    createdAt: new Date(base + i * 10),
    startedAt: null,
    finishedAt: null,
    updatedAt: new Date(),
    ...extra,
  };
}

async function allIds(tenantId: string, filter: Parameters<JobsRepository['list']>[1], size: number): Promise<string[]> {
  const out: string[] = [];
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await jobs.list(tenantId, filter, size, after, ['status']);
    out.push(...page.items.map((d) => d._id));
    if (!page.hasNextPage) return out;
    const last = page.items.at(-1)!;
    after = { createdAt: last.createdAt, id: last._id };
  }
}

test('pages are newest first across buckets, stable while jobs change status, with exact counts', async () => {
  const n = BUCKET_SIZE + 120;
  const docs = Array.from({ length: n }, (_, i) => job('acme', i, i >= 600 ? { batchId: 'b1' } : {}));
  for (let i = 0; i < n; i += 200) await jobs.insertMany(docs.slice(i, i + 200));
  await jobs.insertMany([job('other', 1), job('other', 2)]);

  const expected = docs.map((d) => d._id).reverse();
  expect(await allIds('acme', {}, 37)).toEqual(expected);
  expect((await jobs.list('acme', {}, 5)).totalCount).toBe(n);
  expect((await jobs.list('other', {}, 50)).items.map((d) => d._id)).toEqual(['other-000002', 'other-000001']);

  // Walk pages while jobs change status: each job still shows up exactly once.
  const seen: string[] = [];
  let after: { createdAt: Date; id: string } | undefined;
  let k = 0;
  for (;;) {
    const page = await jobs.list('acme', {}, 50, after);
    seen.push(...page.items.map((d) => d._id));
    await jobs.update(docs[k * 7]!._id, { status: 'RUNNING' });
    k++;
    if (!page.hasNextPage) break;
    after = { createdAt: page.items.at(-1)!.createdAt, id: page.items.at(-1)!._id };
  }
  expect(seen).toEqual(expected);

  const running = (await jobs.list('acme', { status: ['RUNNING'] }, 100)).items.map((d) => d._id);
  expect(running).toEqual(Array.from({ length: k }, (_, j) => docs[j * 7]!._id).reverse());
  expect((await jobs.list('acme', { status: ['RUNNING'] }, 1)).totalCount).toBe(k);
  expect((await jobs.list('acme', { status: ['QUEUED'] }, 1)).totalCount).toBe(n - k);
  const chainRunning = docs.filter((d, i) => i % 7 === 0 && i / 7 < k && d.kind === 'chain').length;
  expect((await jobs.list('acme', { kind: 'chain', status: ['RUNNING'] }, 1)).totalCount).toBe(chainRunning);

  const batch = await jobs.list('acme', { batchId: 'b1' }, 200);
  expect(batch.items.map((d) => d._id)).toEqual(docs.slice(600).map((d) => d._id).reverse());
  expect(batch.totalCount).toBe(n - 600);
  expect((await jobs.list('other', { batchId: 'b1' }, 10)).totalCount).toBe(0);

  await jobs.deleteById(docs[0]!._id);
  expect((await jobs.list('acme', {}, 1)).totalCount).toBe(n - 1);
  expect((await allIds('acme', {}, 100)).includes(docs[0]!._id)).toBe(false);
});

test('counts stay exact when many writers change statuses at once', async () => {
  const docs = Array.from({ length: 60 }, (_, i) => job('busy', i));
  await jobs.insertMany(docs);
  // A second repository stands for another process: its own lock queue, its own caches.
  const other = new JobsRepository(t.db);
  const order: JobStatusValue[] = ['RUNNING', 'SUCCEEDED'];
  await Promise.all(docs.map(async (d, i) => {
    const repo = i % 2 ? jobs : other;
    for (const status of order) await repo.update(d._id, { status });
  }));
  const page = await jobs.list('busy', { status: ['SUCCEEDED'] }, 100);
  expect(page.totalCount).toBe(60);
  expect(page.items).toHaveLength(60);
  expect((await jobs.list('busy', { status: ['QUEUED', 'RUNNING'] }, 1)).totalCount).toBe(0);
});

test('a list over jobs with large inputs reads only the fields asked for', async () => {
  const big = 'x'.repeat(3_900_000);
  for (let i = 0; i < 4; i++) await jobs.insert(job('large', i, { input: JSON.stringify({ text: big }) }));
  const page = await jobs.list('large', {}, 4, undefined, ['_id', 'status']);
  expect(page.items).toHaveLength(4);
  for (const d of page.items) {
    expect(d.status).toBe('QUEUED');
    expect(d.input).toBeUndefined();
  }
});
