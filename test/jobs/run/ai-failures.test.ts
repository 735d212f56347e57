/**
 * How AI call failures end up in jobs, through GraphQL against the service with the real
 * openai provider talking to the fake OpenAI server: rate limits with Retry-After, final
 * errors (refusal, context length), connection failures that exhaust the call's retries
 * and move the job to RETRYING and then resume it without repeating finished steps, and
 * calls that hang until AI_TIMEOUT_MS.
 */
import type { TestApp } from '../../support/app.js';
import { fakeErrors, type FakeOpenAi } from '../../support/fake-openai.js';
import { useFakeOpenAiApp } from '../../support/fake-openai-app.js';
import { pollUntil } from '../../support/graphql-client.js';
import { getEvents, getJob, ReplyRouter, startOpenAiApp, submitChain, tag, waitForStatus, withPrompt } from '../jobs-harness.js';

const started = useFakeOpenAiApp({
  env: {
    AI_TIMEOUT_MS: '5000',
    AI_MAX_CALL_ATTEMPTS: '3',
    // Long enough to observe the RETRYING state by polling (attempt 1 waits 0.75–1.5 s).
    JOB_RETRY_DELAY: '1500ms',
  },
});
let fake: FakeOpenAi;
let app: TestApp;
let router: ReplyRouter;

beforeAll(() => {
  ({ fake, app } = started);
  router = new ReplyRouter(fake);
});

test('429 twice with retry-after, then success: the job succeeds and each wait is honoured', async () => {
  const m = tag('ratelimited');
  router.on(m, [fakeErrors.rateLimited({ 'retry-after': '1' }), fakeErrors.rateLimited({ 'retry-after': '1' })]);
  const id = await submitChain(app, [{ name: 'only', prompt: `${m} say hi` }], { maxAttempts: 1 });
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);

  expect(job.status).toBe('SUCCEEDED');
  expect(job.result.final).toContain(m);
  const reqs = withPrompt(fake, m);
  expect(reqs).toHaveLength(3);
  for (let i = 1; i < reqs.length; i++) {
    // The next try starts no sooner than Retry-After (1 s) after the 429 was answered.
    expect(reqs[i]!.receivedAt - reqs[i - 1]!.endedAt!).toBeGreaterThanOrEqual(950);
  }
  // Retries inside one call are not new step attempts, and only the answered call is counted.
  expect(job.steps[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  expect(job.usage.calls).toBe(1);
  expect(job.attempt).toBe(1);
});

test('a content refusal in a chain step fails the job with CONTENT_POLICY after exactly one call', async () => {
  const a = tag('before');
  const b = tag('refused');
  const c = tag('after');
  router.on(b, [{ refusal: "I can't help with that." }]);
  const id = await submitChain(app, [
    { name: 'first', prompt: `${a} start` },
    { name: 'second', prompt: `${b} continue {{steps.first}}` },
    { name: 'third', prompt: `${c} end` },
  ]);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED', 'RETRYING'], 20_000);

  expect(job.status).toBe('FAILED');
  expect(job.error).toMatchObject({ code: 'CONTENT_POLICY', retryable: false, step: 'second' });
  expect(job.steps.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'PENDING']);
  expect(job.steps[1].error).toMatchObject({ code: 'CONTENT_POLICY', step: 'second' });
  expect(withPrompt(fake, b)).toHaveLength(1);
  expect(withPrompt(fake, c)).toHaveLength(0);
  expect(job.attempt).toBe(1);
  const types = (await getEvents(app, id)).map((e) => e.type);
  expect(types).toContain('STEP_FAILED');
  expect(types[types.length - 1]).toBe('FAILED');
  expect(types).not.toContain('RETRY_SCHEDULED');
});

test('a content_filter finish is CONTENT_POLICY too', async () => {
  const m = tag('filtered');
  router.on(m, [{ finishReason: 'content_filter', text: '' }]);
  const id = await submitChain(app, [{ name: 'only', prompt: `${m} filtered` }]);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED', 'RETRYING'], 20_000);
  expect(job.status).toBe('FAILED');
  expect(job.error).toMatchObject({ code: 'CONTENT_POLICY', step: 'only' });
  expect(withPrompt(fake, m)).toHaveLength(1);
});

test('an exhausted quota (429 insufficient_quota) is not worth retrying: FAILED at once', async () => {
  const m = tag('quota');
  router.on(m, [fakeErrors.insufficientQuota()]);
  const id = await submitChain(app, [{ name: 'only', prompt: `${m} costs money` }]);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED', 'RETRYING'], 20_000);
  expect(job.status).toBe('FAILED');
  expect(job.error).toMatchObject({ code: 'RATE_LIMITED', retryable: false, step: 'only' });
  expect(withPrompt(fake, m)).toHaveLength(1);
});

test('a context-length error in a chain step fails the job with CONTEXT_LENGTH_EXCEEDED after exactly one call', async () => {
  const m = tag('toolong');
  router.on(m, [fakeErrors.contextLengthExceeded()]);
  const id = await submitChain(app, [{ name: 'big', prompt: `${m} huge prompt` }]);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED', 'RETRYING'], 20_000);

  expect(job.status).toBe('FAILED');
  expect(job.error).toMatchObject({ code: 'CONTEXT_LENGTH_EXCEEDED', retryable: false, step: 'big' });
  expect(withPrompt(fake, m)).toHaveLength(1);
});

test('connection failures: retried AI_MAX_CALL_ATTEMPTS times, then RETRYING, then a later attempt finishes without repeating finished steps', async () => {
  const a = tag('stable');
  const b = tag('flaky');
  const c = tag('last');
  router.on(b, [{ destroySocket: true }, { destroySocket: true }, { destroySocket: true }]);
  const id = await submitChain(
    app,
    [
      { name: 'a', prompt: `${a} first` },
      { name: 'b', prompt: `${b} second, after: {{steps.a}}` },
      { name: 'c', prompt: `${c} third, after: {{steps.b}}` },
    ],
    { maxAttempts: 3 },
  );

  // The job waits for its next attempt with the error stored.
  const retrying = await waitForStatus(app, id, ['RETRYING', 'SUCCEEDED', 'FAILED'], 20_000);
  expect(retrying.status).toBe('RETRYING');
  expect(retrying.error).toMatchObject({ code: 'NETWORK', retryable: true, step: 'b' });
  expect(retrying.attempt).toBe(2);
  expect(retrying.steps.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'PENDING']);
  expect(retrying.steps[1].error).toMatchObject({ code: 'NETWORK' });
  expect(withPrompt(fake, b)).toHaveLength(3);

  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(job.error).toBeNull();
  expect(job.attempt).toBe(2);
  // Request counts per prompt: the finished step was not asked again.
  expect(withPrompt(fake, a)).toHaveLength(1);
  expect(withPrompt(fake, b)).toHaveLength(4);
  expect(withPrompt(fake, c)).toHaveLength(1);
  expect(job.steps.map((s: any) => s.attempts)).toEqual([1, 2, 1]);
  expect(job.usage.calls).toBe(3);

  const events = await getEvents(app, id);
  const types = events.map((e) => e.type);
  const retry = events.find((e) => e.type === 'RETRY_SCHEDULED');
  expect(retry?.message).toContain('NETWORK');
  expect(types.filter((t) => t === 'STARTED')).toHaveLength(2);
  expect(types.indexOf('RETRY_SCHEDULED')).toBeLessThan(types.lastIndexOf('STARTED'));
  // Step a ran in the first attempt only.
  expect(events.filter((e) => e.type === 'STEP_STARTED' && e.step?.name === 'a')).toHaveLength(1);
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
});

describe('a call that hangs', () => {
  let timeoutApp: TestApp;
  beforeAll(async () => {
    timeoutApp = await startOpenAiApp(fake, { env: { AI_TIMEOUT_MS: '1000', AI_MAX_CALL_ATTEMPTS: '2' } });
  });
  afterAll(() => timeoutApp?.stop());

  test('ends in TIMEOUT after AI_TIMEOUT_MS per try, the request closed by the client', async () => {
    const m = tag('hangs');
    router.on(m, [{ hang: true }, { hang: true }]);
    const id = await submitChain(timeoutApp, [{ name: 'slow', prompt: `${m} never answered` }], { maxAttempts: 1 });
    const job = await waitForStatus(timeoutApp, id, ['SUCCEEDED', 'FAILED'], 20_000);

    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'TIMEOUT', retryable: true, step: 'slow' });
    const reqs = await pollUntil(
      async () => withPrompt(fake, m),
      (r) => r.length === 2 && r.every((x) => x.endedAt !== undefined),
      5_000,
    );
    for (const r of reqs) {
      expect(r.clientClosed).toBe(true);
      const held = r.endedAt! - r.receivedAt;
      expect(held).toBeGreaterThanOrEqual(900);
      expect(held).toBeLessThan(2_500);
    }
    expect((await getJob(timeoutApp, id)).steps[0].status).toBe('FAILED');
  });
});

describe('an attempt that runs past JOB_TIMEOUT_MS', () => {
  let slowApp: TestApp;
  beforeAll(async () => {
    slowApp = await startOpenAiApp(fake, { env: { JOB_TIMEOUT_MS: '1500', AI_TIMEOUT_MS: '60000' } });
  });
  afterAll(() => slowApp?.stop());

  test('is stopped, its AI request aborted, and recorded as TIMEOUT', async () => {
    const m = tag('too-slow');
    router.on(m, [{ hang: true }]);
    const id = await submitChain(slowApp, [{ name: 'slow', prompt: `${m} takes forever` }], { maxAttempts: 1 });
    const job = await waitForStatus(slowApp, id, ['SUCCEEDED', 'FAILED'], 20_000);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'TIMEOUT', step: 'slow' });
    expect(job.error.message).toContain('JOB_TIMEOUT_MS');
    const [req] = await pollUntil(
      async () => withPrompt(fake, m),
      (r) => r.length === 1 && r[0]!.endedAt !== undefined,
      5_000,
    );
    expect(req!.clientClosed).toBe(true);
    expect(req!.endedAt! - Date.parse(job.startedAt)).toBeLessThan(3_000);
  });
});
