/**
 * One OpenTelemetry trace per job across OS processes (`node dist/main.js`): a
 * document.analyze job submitted with a `traceparent` to a ROLE=api process, run by a
 * ROLE=worker process that is killed in the middle of `summarize`, resumed by a second
 * worker, and delivered by webhook, all exporting OTLP/HTTP (json) to a receiver in this
 * test. Every span shares the caller's trace id, parents are right, AI spans carry the
 * GenAI attributes and token counts, the answers reused after the kill say
 * `ai_jobs.checkpoint_hit`, the webhook request carries `traceparent`, and no prompt
 * text is exported. Needs `npm run build` (npm test does it).
 */
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../../src/auth/api-keys.js';
import { TenantsRepository } from '../../src/db/tenants/index.js';
import { documentChunks } from '../../src/jobs/pipelines/document-text.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.js';
import { gqlData } from '../support/graphql-client.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { isSummarize, prose, userOf, waitForStatus } from '../jobs/jobs-harness.js';

const CONTEXT = 1000;
const SERVER = 2;

let fake: FakeOpenAi;
let otlp: OtlpReceiver;
let hooks: WebhookReceiver;
let db: TestDb;
let api: ServiceProcess | undefined;
const workers: ServiceProcess[] = [];
let key: string;

const tracingEnv = (extra: Record<string, string> = {}) => ({
  MONGODB_URI: db.uri,
  AI_PROVIDER: 'openai',
  OPENAI_BASE_URL: fake.baseUrl,
  AI_CONTEXT_TOKENS: String(CONTEXT),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  ...extra,
});

beforeAll(async () => {
  [fake, otlp, hooks, db] = await Promise.all([startFakeOpenAi(), startOtlpReceiver(), startWebhookReceiver(), createTestDb('traces')]);
  api = await startServiceProcess({ ...tracingEnv(), ROLE: 'api', OPENAI_API_KEY: 'api' });
  key = (await createApiKey(new TenantsRepository(db.db), 'traces')).key;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([api?.stop(), ...workers.map((w) => w.stop('SIGKILL'))]);
  await Promise.allSettled([fake?.close(), otlp?.close(), hooks?.close(), db?.close()]);
});

function startWorker(apiKey: string, lease: string): Promise<ServiceProcess> {
  return startServiceProcess({ ...tracingEnv({ OPENAI_API_KEY: apiKey, JOB_LEASE: lease, LOG_LEVEL: 'info' }), ROLE: 'worker' }).then((w) => {
    workers.push(w);
    return w;
  });
}

const from = (k: string) => (r: RecordedRequest) => r.headers.authorization === `Bearer ${k}`;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

test('a job submitted with a traceparent is one trace from the API through two workers to its webhook', async () => {
  const marker = `secret-prompt-${hex(4)}`;
  const text = `${marker} ${prose('traces', 40)}`;
  const chunks = documentChunks(text, CONTEXT);
  expect(chunks.length).toBeGreaterThanOrEqual(4);
  // Worker A has chunks 1 and 2 answered (and checkpointed); chunk 3 hangs until A is killed.
  fake.onRequest((req) => (from('worker-a')(req) && isSummarize(req) && userOf(req) === chunks[2] ? { hang: true } : undefined));
  await gqlData(api!.url, key, `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { endpoint { id } } }`, { url: `${hooks.url}/hooks` });

  const a = await startWorker('worker-a', '3s');
  const traceId = hex(16);
  const callerSpanId = hex(8);
  const res = await fetch(`${api!.url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, traceparent: `00-${traceId}-${callerSpanId}-01` },
    body: JSON.stringify({
      query: `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id traceId } }`,
      variables: { input: { kind: 'document.analyze', input: { name: 'doc', text } } },
    }),
  });
  const submitted = (await res.json()) as { data: { submitJob: { id: string; traceId: string } } };
  const jobId = submitted.data.submitJob.id;
  expect(submitted.data.submitJob.traceId).toBe(traceId);

  // A's finished spans reach the receiver before it dies: its `prepare` step names A's attempt span.
  const beforeKill = await otlp.waitFor(
    (spans) => spans.some((s) => s.name === 'step prepare' && s.traceId === traceId) && fake.requests.some((r) => from('worker-a')(r) && userOf(r) === chunks[2]),
    "worker A's prepare step span and its hanging third chunk",
  );
  const attemptOfA = beforeKill.find((s) => s.name === 'step prepare')!.parentSpanId;
  await a.stop('SIGKILL');
  const b = await startWorker('worker-b', '10s');
  const job = await waitForStatus({ url: api!.url, key }, jobId, ['SUCCEEDED', 'FAILED'], 60_000, 'id status traceId events { traceId }');
  expect(job.status).toBe('SUCCEEDED');
  expect(job.traceId).toBe(traceId);
  expect(new Set(job.events.map((e: { traceId: string }) => e.traceId))).toEqual(new Set([traceId]));

  const [delivery] = await hooks.waitFor(1, 30_000);
  // The attempt's span may end after the webhook attempt it started (the dispatcher runs in the same worker).
  const spans = await otlp.waitFor(
    (all) => ['webhook job.succeeded', 'job document.analyze'].every((name) => all.some((s) => s.name === name && s.traceId === traceId)),
    "the webhook attempt span and worker B's attempt span",
  );
  const ours = spans.filter((s) => s.traceId === traceId);
  const one = (name: string, service?: string): ReceivedSpan => {
    const found = ours.filter((s) => s.name === name && (service === undefined || s.service === service));
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0]!;
  };

  // API: the request span continues the caller's span; the submission is its child.
  const request = one('POST /graphql', 'ai-jobs-api');
  expect(request).toMatchObject({ parentSpanId: callerSpanId, kind: SERVER });
  const submit = one('submitJob', 'ai-jobs-api');
  expect(submit.parentSpanId).toBe(request.spanId);
  expect(submit.attributes['ai_jobs.job.id']).toBe(jobId);

  // Worker B: its attempt is a child of the submission (ended long before) and links to A's attempt.
  const attemptOfB = one('job document.analyze', 'ai-jobs-worker');
  expect(attemptOfB.parentSpanId).toBe(submit.spanId);
  expect(attemptOfB.links.map((l) => l.spanId)).toEqual([attemptOfA]);
  const summarizeOfB = ours.find((s) => s.name === 'step summarize' && s.parentSpanId === attemptOfB.spanId)!;
  expect(summarizeOfB).toBeDefined();
  for (const name of ['step combine', 'step extract']) expect(one(name).parentSpanId).toBe(attemptOfB.spanId);

  // AI calls: children of their step, with the GenAI attributes; the two answers A paid for are reused.
  const callsOfB = ours.filter((s) => s.name.startsWith('chat ') && s.parentSpanId === summarizeOfB.spanId);
  expect(callsOfB).toHaveLength(chunks.length);
  const hits = callsOfB.filter((s) => s.attributes['ai_jobs.checkpoint_hit'] === true);
  expect(hits).toHaveLength(2);
  expect(hits.every((s) => s.attributes['ai_jobs.cost_usd'] === 0 && s.attributes['gen_ai.usage.input_tokens'] === undefined)).toBe(true);
  const stepsOfB = new Set(ours.filter((s) => s.parentSpanId === attemptOfB.spanId).map((s) => s.spanId));
  const paid = ours.filter((s) => s.name.startsWith('chat ') && stepsOfB.has(s.parentSpanId) && s.attributes['ai_jobs.checkpoint_hit'] === false);
  // The chunks A did not get answered, then combine's and extract's calls.
  expect(paid.filter((s) => s.parentSpanId === summarizeOfB.spanId)).toHaveLength(chunks.length - 2);
  expect(new Set(paid.map((s) => s.attributes['ai_jobs.step']))).toEqual(new Set(['summarize', 'combine', 'extract']));
  for (const call of paid) {
    expect(call).toMatchObject({ kind: 3, name: `chat ${call.attributes['gen_ai.request.model']}` });
    expect(call.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': expect.any(String),
      'gen_ai.response.finish_reasons': ['stop'],
      'ai_jobs.job.id': jobId,
      'ai_jobs.cost_usd': expect.any(Number),
    });
    expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(call.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  }

  // The webhook attempt continues B's attempt, and its request carries the attempt span's traceparent.
  const webhook = one('webhook job.succeeded', 'ai-jobs-worker');
  expect(webhook.parentSpanId).toBe(attemptOfB.spanId);
  expect(webhook.attributes).toMatchObject({ 'http.response.status_code': 200, 'ai_jobs.webhook.attempt': 1 });
  expect(delivery!.headers.traceparent).toBe(`00-${traceId}-${webhook.spanId}-01`);

  // Nothing of the prompt went out; the worker's log lines about the job carry its trace.
  expect(otlp.bodies.some((b) => b.body.toString('utf8').includes(marker))).toBe(false);
  const finished = b
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"job finished"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(finished).toEqual([expect.objectContaining({ jobId, trace_id: traceId, span_id: attemptOfB.spanId })]);
}, 120_000);
