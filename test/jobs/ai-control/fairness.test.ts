/**
 * Tenant fairness: with TENANT_MAX_RUNNING=2 and a worker that could run 4 jobs at once, a
 * tenant with 60 queued jobs never has more than 2 of them calling the model at once, and
 * another tenant's single job, submitted after the backlog, starts before the backlog drains.
 */
import type { TestApp } from '../../support/app.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { gqlData } from '../../support/graphql-client.js';
import { startOpenAiApp, tag, userOf, waitForStatus } from '../jobs-harness.js';

let fake: FakeOpenAi;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  app = await startOpenAiApp(fake, { env: { WORKER_CONCURRENCY: '4', TENANT_MAX_RUNNING: '2' } });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
}, 60_000);

/** Jobs of the big tenant, each holding the model 2 s: far longer than the queue needs to pass them over. */
const N = 60;
const SUBMIT = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }';

/** The most requests carrying `marker` that were open at the fake at the same time. */
function maxOverlap(marker: string): number {
  const reqs = fake.requestsMatching((r) => userOf(r).includes(marker));
  const edges = reqs.flatMap((r) => [
    { t: r.receivedAt, d: 1 },
    { t: r.endedAt ?? Number.MAX_SAFE_INTEGER, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (open += e.d));
  return max;
}

test('a tenant with a backlog of 60 queued jobs holds at most TENANT_MAX_RUNNING, and another tenant’s single job starts before the backlog drains', async () => {
  const big = tag('backlog');
  const small = tag('single');
  fake.onRequest((req) => (userOf(req).includes(big) ? { delayMs: 2_000 } : undefined));
  const bigKey = await app.newTenantKey(tag('big-tenant'));
  const smallKey = await app.newTenantKey(tag('small-tenant'));
  const bigIds: string[] = [];
  for (let i = 0; i < N; i++) {
    const { submitJob } = await gqlData(app.url, bigKey, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 's', prompt: `${big} job ${i}` }] } } });
    bigIds.push(submitJob.id);
  }
  const { submitJob } = await gqlData(app.url, smallKey, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 's', prompt: `${small} only` }] } } });
  const single = await waitForStatus({ url: app.url, key: smallKey }, submitJob.id, ['SUCCEEDED', 'FAILED'], 90_000);
  expect(single.status).toBe('SUCCEEDED');

  // When the single job had finished, much of the backlog was still waiting.
  const { jobs } = await gqlData(app.url, bigKey, '{ jobs(first: 100) { edges { node { status } } } }');
  const waiting = jobs.edges.filter((e: { node: { status: string } }) => ['QUEUED', 'RETRYING', 'RUNNING'].includes(e.node.status));
  // Without the cap the single job would have waited for all but the last few (first in, first out).
  expect(waiting.length).toBeGreaterThan(N / 2);
  // Never more than two of the big tenant's jobs were calling the model at once.
  expect(fake.requestsMatching((r) => userOf(r).includes(big)).length).toBeGreaterThan(0);
  expect(maxOverlap(big)).toBeLessThanOrEqual(2);
}, 120_000);
