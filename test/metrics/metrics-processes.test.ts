/**
 * /metrics on an API process and on a separate worker process (`node dist/main.js`), read
 * through a Prometheus text-format parser: after jobs (successes, an AI failure, a retry,
 * a cancel), webhook deliveries (2xx, 500, timeout, connection refused) and a subscription,
 * each counter and gauge moved by exactly what happened. Also: METRICS_TOKEN guards the
 * scrape, request ids are returned, and the worker's log lines about a job carry the id of
 * the request that submitted it. Needs `npm run build` (npm test does it).
 */
import { createServer } from 'node:net';
import { createApiKey } from '../../src/auth/api-keys.js';
import { freePort } from '../../src/db/local-server.js';
import { TenantsRepository } from '../../src/db/tenants/tenants.repository.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { fakeErrors, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { collect, gqlData, pollUntil, wsClient } from '../support/graphql-client.js';
import { countOf, scrape, valueOf, type Scrape } from '../support/metrics-scrape.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { getEvents, getJob, ReplyRouter, submitChain, tag, waitForStatus } from '../jobs/jobs-harness.js';

const TOKEN = 'metrics-test-token';
let db: TestDb;
let fake: FakeOpenAi;
let router: ReplyRouter;
let receiver: WebhookReceiver;
let api: ServiceProcess;
let worker: ServiceProcess;
let workerMetrics: string;
let apiMetrics: string;
let jobsKey: string;
let hooksKey: string;

beforeAll(async () => {
  db = await createTestDb('metrics');
  fake = await startFakeOpenAi();
  router = new ReplyRouter(fake);
  receiver = await startWebhookReceiver();
  const common = { MONGODB_URI: db.uri, METRICS_TOKEN: TOKEN };
  api = await startServiceProcess({ ...common, ROLE: 'api' });
  apiMetrics = api.url.replace('/graphql', '/metrics');
  const metricsPort = await freePort();
  worker = await startServiceProcess({
    ...common,
    ROLE: 'worker',
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'info',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test',
    // One try per AI call, so a failed call is one failed attempt of the job.
    AI_MAX_CALL_ATTEMPTS: '1',
    // One attempt per delivery: each failure fails its delivery.
    WEBHOOK_RETRY_SCHEDULE: '0s',
    WEBHOOK_TIMEOUT_MS: '1000',
  });
  workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
  const tenants = new TenantsRepository(db.db);
  jobsKey = (await createApiKey(tenants, tag('metrics-jobs'))).key;
  hooksKey = (await createApiKey(tenants, tag('metrics-hooks'))).key;
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([api?.stop(), worker?.stop()]);
  await receiver?.close();
  await fake?.close();
  await db?.close();
});

const jobs = () => ({ url: api.url, key: jobsKey });
const hooks = () => ({ url: api.url, key: hooksKey });

/** A TCP port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

test('/metrics needs the bearer token when METRICS_TOKEN is set, on both processes', async () => {
  for (const url of [apiMetrics, workerMetrics]) {
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
  }
});

test('jobs, AI calls, webhooks and subscriptions move the metrics by exactly what happened', async () => {
  const [api0, worker0] = await Promise.all([scrape(apiMetrics, TOKEN), scrape(workerMetrics, TOKEN)]);
  const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
  const deltaCount = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) => countOf(after, name, labels) - countOf(before, name, labels);

  // A subscription on every event of the jobs' tenant, open for the whole run.
  const client = wsClient(api.url, jobsKey);
  const events = collect<{ type: string }>(client, 'subscription { tenantJobEvents { type } }', {}, 'tenantJobEvents');
  await pollUntil(() => scrape(apiMetrics, TOKEN), (s) => valueOf(s, 'aijobs_subscriptions') === 1, 10_000);
  const open = await scrape(apiMetrics, TOKEN);
  expect(valueOf(open, 'aijobs_ws_connections')).toBe(1);

  // Two successes, one final AI failure (context length: not retryable), one retry that
  // then succeeds (a 500 with one try per call), one cancel while its AI call hangs.
  const ok1 = await submitChain(jobs(), [{ name: 'a', prompt: `${tag('ok')} hi` }]);
  const ok2 = await submitChain(jobs(), [{ name: 'a', prompt: `${tag('ok')} hi` }]);
  const bad = tag('toolong');
  router.on(bad, [fakeErrors.contextLengthExceeded()]);
  const failed = await submitChain(jobs(), [{ name: 'a', prompt: `${bad} hi` }], { maxAttempts: 3 });
  const flaky = tag('flaky');
  router.on(flaky, [fakeErrors.serverError(500)]);
  const retried = await submitChain(jobs(), [{ name: 'a', prompt: `${flaky} hi` }], { maxAttempts: 2 });
  const hang = tag('hang');
  router.on(hang, [{ hang: true }]);
  const cancelled = await submitChain(jobs(), [{ name: 'a', prompt: `${hang} hi` }]);

  await fake.waitFor(() => fake.requests.some((r) => JSON.stringify(r.body).includes(hang)), 30_000);
  await waitForStatus(jobs(), cancelled, ['RUNNING'], 10_000);
  // While it runs, the API's queue depth (read from live_jobs) shows it as running.
  const running = await pollUntil(() => scrape(apiMetrics, TOKEN), (s) => valueOf(s, 'aijobs_job_queue_depth', { state: 'running' }) >= 1, 15_000);
  expect(valueOf(running, 'aijobs_job_queue_depth', { state: 'running' })).toBeGreaterThanOrEqual(1);
  await gqlData(api.url, jobsKey, 'mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: cancelled });

  const all = [ok1, ok2, failed, retried, cancelled];
  const final = await Promise.all(all.map((id) => waitForStatus(jobs(), id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 30_000)));
  expect(final.map((j) => j.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'SUCCEEDED', 'CANCELLED']);
  const failedCode = final[2].error.code as string;
  const flakyJob = await getJob(jobs(), retried, 'attempt events { type message }');
  expect(flakyJob.attempt).toBe(2);

  // Webhooks: four endpoints of another tenant (so job webhooks do not reach them), one test delivery each.
  const refusedUrl = `http://127.0.0.1:${await closedPort()}/hooks`;
  receiver.script([{ status: 200 }, { status: 500 }, { hang: true }]);
  const urls = [`${receiver.url}/ok`, `${receiver.url}/error`, `${receiver.url}/slow`, refusedUrl];
  const deliveries: string[] = [];
  // One at a time, so the scripted replies meet the endpoints in order.
  for (const [i, url] of urls.entries()) {
    const { createWebhookEndpoint } = await gqlData(hooks().url, hooksKey, 'mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { endpoint { id } } }', { url });
    const { sendTestWebhook } = await gqlData(hooks().url, hooksKey, 'mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id } }', { id: createWebhookEndpoint.endpoint.id });
    deliveries.push(sendTestWebhook.id);
    if (i < 3) await receiver.waitFor(i + 1, 20_000);
  }
  const statuses = await pollUntil(
    () => Promise.all(deliveries.map(async (id) => (await gqlData(hooks().url, hooksKey, 'query($id: ID!) { webhookDelivery(id: $id) { status } }', { id })).webhookDelivery.status as string)),
    (s) => s.every((x) => x !== 'PENDING'),
    30_000,
  );
  expect(statuses).toEqual(['SUCCEEDED', 'FAILED', 'FAILED', 'FAILED']);

  // Every event of the five jobs reached the subscriber; then it goes.
  const eventCount = (await Promise.all(all.map((id) => getEvents(jobs(), id)))).reduce((n, e) => n + e.length, 0);
  await events.until((items) => items.length === eventCount, 15_000);
  events.unsubscribe();
  await client.dispose();

  const w = await scrape(workerMetrics, TOKEN);
  const kind = { kind: 'chain' };
  expect(delta(worker0, w, 'aijobs_jobs_started_total', kind)).toBe(5);
  expect(delta(worker0, w, 'aijobs_job_attempts_total', kind)).toBe(6);
  expect(delta(worker0, w, 'aijobs_job_retries_total', kind)).toBe(1);
  expect(delta(worker0, w, 'aijobs_jobs_finished_total', { ...kind, status: 'SUCCEEDED' })).toBe(3);
  expect(delta(worker0, w, 'aijobs_jobs_finished_total', { ...kind, status: 'FAILED' })).toBe(1);
  expect(delta(worker0, w, 'aijobs_jobs_finished_total', { ...kind, status: 'CANCELLED' })).toBe(1);
  expect(deltaCount(worker0, w, 'aijobs_job_wait_seconds', kind)).toBe(5);
  expect(deltaCount(worker0, w, 'aijobs_job_run_seconds', kind)).toBe(5);
  expect(delta(worker0, w, 'aijobs_jobs_stranded_total')).toBe(0);
  // Submissions are counted where they happen: on the API.
  expect(delta(worker0, w, 'aijobs_jobs_submitted_total')).toBe(0);

  // AI: 3 answered calls, the context-length failure by its class, the 500, the cancelled call.
  const ai = { provider: 'openai' };
  expect(delta(worker0, w, 'aijobs_ai_calls_total', { ...ai, outcome: 'OK' })).toBe(3);
  expect(delta(worker0, w, 'aijobs_ai_calls_total', { ...ai, outcome: failedCode })).toBe(1);
  expect(delta(worker0, w, 'aijobs_ai_calls_total', ai)).toBe(6);
  expect(deltaCount(worker0, w, 'aijobs_ai_call_seconds', ai)).toBe(6);
  const usage = await Promise.all(all.map((id) => getJob(jobs(), id, 'usage { promptTokens completionTokens costUsd }')));
  const sum = (f: 'promptTokens' | 'completionTokens' | 'costUsd') => usage.reduce((n, j) => n + (j.usage[f] as number), 0);
  expect(delta(worker0, w, 'aijobs_ai_tokens_total', { direction: 'in' })).toBe(sum('promptTokens'));
  expect(delta(worker0, w, 'aijobs_ai_tokens_total', { direction: 'out' })).toBe(sum('completionTokens'));
  expect(sum('promptTokens')).toBeGreaterThan(0);
  expect(delta(worker0, w, 'aijobs_ai_cost_usd_total')).toBeCloseTo(sum('costUsd'), 9);

  // Webhooks: one attempt per delivery, each by its outcome; three deliveries failed for good.
  for (const outcome of ['2xx', '5xx', 'timeout', 'refused']) {
    expect([outcome, delta(worker0, w, 'aijobs_webhook_attempts_total', { outcome })]).toEqual([outcome, 1]);
  }
  expect(delta(worker0, w, 'aijobs_webhook_attempts_total')).toBe(4);
  expect(deltaCount(worker0, w, 'aijobs_webhook_attempt_seconds')).toBe(4);
  expect(delta(worker0, w, 'aijobs_webhook_deliveries_failed_total')).toBe(3);
  expect(delta(worker0, w, 'aijobs_webhook_endpoints_disabled_total')).toBe(0);

  // The process: Node's defaults and a database that answers.
  expect(valueOf(w, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  expect(valueOf(w, 'aijobs_db_ping_seconds')).toBeGreaterThanOrEqual(0);

  // The API: submissions, the feed's reads, the subscription gone, the queue drained.
  const a = await pollUntil(
    () => scrape(apiMetrics, TOKEN),
    (s) => valueOf(s, 'aijobs_ws_connections') === 0 && valueOf(s, 'aijobs_job_queue_depth') === 0,
    20_000,
    250,
  );
  expect(delta(api0, a, 'aijobs_jobs_submitted_total', kind)).toBe(5);
  // Database commands are counted where they are sent: each submission stored its job with one insert.
  expect(delta(api0, a, 'aijobs_db_commands_total', { command: 'insert', collection: 'jobs' })).toBe(5);
  expect(delta(worker0, w, 'aijobs_db_commands_total', { command: 'insert', collection: 'jobs' })).toBe(0);
  expect(delta(worker0, w, 'aijobs_db_commands_total', { command: 'update', collection: 'jobs' })).toBeGreaterThan(0);
  expect(valueOf(a, 'aijobs_subscriptions')).toBe(0);
  expect(events.items).toHaveLength(eventCount);
  expect(deltaCount(api0, a, 'aijobs_event_feed_lag_seconds')).toBe(eventCount);
  expect(delta(api0, a, 'aijobs_slow_consumers_dropped_total')).toBe(0);
  expect(valueOf(a, 'aijobs_db_ping_seconds')).toBeGreaterThanOrEqual(0);
}, 120_000);

test('a request id is returned, kept with the job, and on the worker\'s log lines about it', async () => {
  const requestId = tag('req');
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jobsKey}`, 'x-request-id': requestId },
    body: JSON.stringify({ query: `mutation { submitJob(input: { kind: "chain", input: { steps: [{ name: "a", prompt: "${tag('logged')} hi" }] } }) { id } }` }),
  });
  expect(res.headers.get('x-request-id')).toBe(requestId);
  const id = ((await res.json()) as { data: { submitJob: { id: string } } }).data.submitJob.id;
  await waitForStatus(jobs(), id, ['SUCCEEDED'], 30_000);

  const lines = () =>
    worker
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.jobId === id);
  const about = await pollUntil(async () => lines(), (l) => l.some((x) => x.msg === 'job finished'), 10_000);
  expect(about.length).toBeGreaterThanOrEqual(2);
  for (const line of about) {
    expect(line).toMatchObject({ jobId: id, requestId, kind: 'chain', attempt: 1, tenantId: expect.any(String) });
    expect(line).toHaveProperty('step');
  }

  // Without the header, one is made and returned.
  const made = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});
