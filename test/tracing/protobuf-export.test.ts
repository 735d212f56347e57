/**
 * The default export format, OTLP/HTTP protobuf, from a real service process (`ROLE=all`,
 * no OTEL_EXPORTER_OTLP_PROTOCOL): every body the receiver gets is protobuf, and decoded
 * it is the job's trace (a request without `traceparent` starts one), with the GenAI
 * attributes; with OTEL_RECORD_CONTENT=true the prompt and the answer are on the AI span.
 * Needs `npm run build` (npm test does it).
 */
import { createApiKey } from '../../src/auth/api-keys.js';
import { TenantsRepository } from '../../src/db/tenants/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { submitChain, tag, waitForStatus } from '../jobs/jobs-harness.js';

let fake: FakeOpenAi;
let otlp: OtlpReceiver;
let db: TestDb;
let service: ServiceProcess | undefined;
let key: string;

beforeAll(async () => {
  [fake, otlp, db] = await Promise.all([startFakeOpenAi(), startOtlpReceiver(), createTestDb('traces_protobuf')]);
  service = await startServiceProcess({
    MONGODB_URI: db.uri,
    AI_PROVIDER: 'openai',
    OPENAI_API_KEY: 'protobuf',
    OPENAI_BASE_URL: fake.baseUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_RECORD_CONTENT: 'true',
  });
  key = (await createApiKey(new TenantsRepository(db.db), 'traces-protobuf')).key;
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await Promise.allSettled([fake?.close(), otlp?.close(), db?.close()]);
});

test('spans go out as OTLP/HTTP protobuf by default and decode to the job trace, content included when asked', async () => {
  const marker = tag('protobuf-prompt');
  fake.onRequest((req) => (JSON.stringify(req.body).includes(marker) ? { text: `answer to ${marker}` } : undefined));
  const app = { url: service!.url, key };
  const jobId = await submitChain(app, [{ name: 'only', prompt: `Say something about ${marker}` }]);
  const job = await waitForStatus(app, jobId, ['SUCCEEDED', 'FAILED'], 30_000, 'id status traceId');
  expect(job.status).toBe('SUCCEEDED');
  expect(job.traceId).toMatch(/^[\da-f]{32}$/);

  // The attempt's span ends last, after the job is saved as SUCCEEDED.
  const spans = await otlp.waitFor((all) => all.some((s) => s.traceId === job.traceId && s.name === 'job chain'), "the job's attempt span");
  expect(otlp.bodies.length).toBeGreaterThan(0);
  expect(new Set(otlp.bodies.map((b) => b.contentType))).toEqual(new Set(['application/x-protobuf']));

  const ours = spans.filter((s) => s.traceId === job.traceId);
  const named = (name: string) => ours.find((s) => s.name === name)!;
  const request = named('POST /graphql');
  expect(request.parentSpanId).toBe('');
  expect(named('submitJob').parentSpanId).toBe(request.spanId);
  const attempt = named('job chain');
  expect(attempt.parentSpanId).toBe(named('submitJob').spanId);
  expect(attempt.attributes).toMatchObject({ 'ai_jobs.job.id': jobId, 'ai_jobs.attempt': 1 });
  const step = named('step only');
  expect(step.parentSpanId).toBe(attempt.spanId);

  const call = ours.find((s) => s.name.startsWith('chat '))!;
  expect(call.parentSpanId).toBe(step.spanId);
  expect(call.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'ai_jobs.checkpoint_hit': false });
  expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
  expect(String(call.attributes['gen_ai.input.messages'])).toContain(`Say something about ${marker}`);
  expect(String(call.attributes['gen_ai.output.messages'])).toContain(`answer to ${marker}`);
}, 60_000);
