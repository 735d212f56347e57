import { AiError, createOpenAiProvider, type CompletionRequest, type OpenAiProviderOptions } from '../../src/ai/index.js';
import { fakeErrors, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';

const API_KEY = 'sk-test-secret-0123456789';
const ask: CompletionRequest = { messages: [{ role: 'user', content: 'Tell me about cats. They purr.' }] };

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function provider(overrides: Partial<OpenAiProviderOptions> = {}) {
  return createOpenAiProvider({
    apiKey: API_KEY,
    baseUrl: fake.baseUrl,
    model: 'gpt-4o-mini',
    timeoutMs: 5_000,
    maxCallAttempts: 3,
    backoff: { baseMs: 5, maxMs: 20 },
    ...overrides,
  });
}

/** Runs the call and returns its AiError; fails the test if it succeeds. */
async function failure(promise: Promise<unknown>): Promise<AiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AiError);
    return err as AiError;
  }
  throw new Error('expected the call to fail');
}

describe('openai provider against the fake server', () => {
  it('sends service_tier and prompt_cache_key when asked, and reads the tier and cached tokens back', async () => {
    fake.script([{ usage: { prompt_tokens: 2_000, completion_tokens: 10 }, cachedTokens: 1_536 }]);
    const result = await provider().complete({ ...ask, serviceTier: 'flex', promptCacheKey: 'chain:abc' });
    expect(fake.requests[0]!.body).toMatchObject({ service_tier: 'flex', prompt_cache_key: 'chain:abc' });
    expect(result.serviceTier).toBe('flex');
    expect(result.usage).toEqual({ promptTokens: 2_000, completionTokens: 10, totalTokens: 2_010, cachedPromptTokens: 1_536 });
  });

  it('reads cached tokens and the tier from a streamed answer too', async () => {
    fake.script([{ text: 'a b c', usage: { prompt_tokens: 1_500, completion_tokens: 3 }, cachedTokens: 1_024 }]);
    const pieces: string[] = [];
    const result = await provider().complete({ ...ask, serviceTier: 'flex', onText: (d) => pieces.push(d) });
    expect(pieces.join('')).toBe('a b c');
    expect(result.serviceTier).toBe('flex');
    expect(result.usage.cachedPromptTokens).toBe(1_024);
  });

  it('sends neither field by default, and a tier the server reports wins over the one asked for', async () => {
    await provider().complete(ask);
    expect(fake.requests[0]!.body!.service_tier).toBeUndefined();
    expect(fake.requests[0]!.body!.prompt_cache_key).toBeUndefined();
    // Flex was asked for but the provider served the call at its default tier: priced as such.
    fake.script([{ serviceTier: 'default' }]);
    expect((await provider().complete({ ...ask, serviceTier: 'flex' })).serviceTier).toBe('default');
  });

  it('answers with text, model, usage and one attempt', async () => {
    fake.script([{ text: 'Cats purr.', usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 }, model: 'gpt-4o-mini-2024-07-18' }]);
    const result = await provider().complete(ask);
    expect(result).toEqual({
      text: 'Cats purr.',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 },
      offline: false,
      attempts: 1,
      // Why the model stopped, as the provider says (traced as gen_ai.response.finish_reasons).
      finishReason: 'stop',
    });
    const [req] = fake.requests;
    expect(req?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req?.body).toMatchObject({ model: 'gpt-4o-mini', messages: ask.messages });
    expect(req?.body?.response_format).toBeUndefined();
  });

  it('asks for a JSON object and passes maxTokens', async () => {
    const result = await provider().complete({ ...ask, json: true, maxTokens: 64 });
    expect(JSON.parse(result.text)).toMatchObject({ keyPoints: expect.any(Array), sentiment: 'neutral' });
    expect(fake.requests[0]?.body).toMatchObject({ response_format: { type: 'json_object' }, max_tokens: 64 });
  });

  it('reports zero usage when the server sends none', async () => {
    fake.script([{ usage: null }]);
    const result = await provider().complete(ask);
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });

  it('429 twice with retry-after, then success: three requests, each after the wait asked for', async () => {
    const limited = fakeErrors.rateLimited({ 'retry-after-ms': '150' });
    fake.script([limited, limited, { text: 'finally' }]);
    const result = await provider().complete(ask);
    expect(result).toMatchObject({ text: 'finally', attempts: 3 });
    const times = fake.requests.map((r) => r.receivedAt);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(150);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(150);
  });

  it('honours retry-after in seconds (through the injected sleep, so the test does not wait)', async () => {
    const waits: number[] = [];
    fake.script([fakeErrors.rateLimited({ 'retry-after': '2' })]);
    const result = await provider({ sleep: async (ms) => void waits.push(ms) }).complete(ask);
    expect(result.attempts).toBe(2);
    expect(waits).toEqual([2_000]);
  });

  it('an exhausted quota is not retried', async () => {
    fake.script([fakeErrors.insufficientQuota(), { text: 'never reached' }]);
    const err = await failure(provider().complete(ask));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryable: false, attempts: 1, status: 429 });
    expect(fake.requests).toHaveLength(1);
  });

  it('500 is retried, then succeeds', async () => {
    fake.script([fakeErrors.serverError(500), { text: 'recovered' }]);
    const result = await provider().complete(ask);
    expect(result).toMatchObject({ text: 'recovered', attempts: 2 });
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up after maxCallAttempts, saying how many tries were made', async () => {
    fake.onRequest(() => fakeErrors.serverError(503));
    const err = await failure(provider({ maxCallAttempts: 3 }).complete(ask));
    expect(err).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, attempts: 3, status: 503 });
    expect(fake.requests).toHaveLength(3);
  });

  it('context length exceeded: one request, not retryable', async () => {
    fake.script([fakeErrors.contextLengthExceeded()]);
    const err = await failure(provider().complete(ask));
    expect(err).toMatchObject({ code: 'CONTEXT_LENGTH_EXCEEDED', retryable: false, attempts: 1 });
    expect(fake.requests).toHaveLength(1);
  });

  it('other 400s are INVALID_INPUT, not retried', async () => {
    fake.script([fakeErrors.invalidRequest("'messages' must not be empty")]);
    await expect(provider().complete(ask)).rejects.toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('a rejected key is not retried and the key is never repeated', async () => {
    fake.script([{ status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}`, code: 'invalid_api_key' } } }]);
    const err = await failure(provider().complete(ask));
    expect(err).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false, status: 401 });
    expect(err.message).not.toContain(API_KEY);
    expect(JSON.stringify(err.toJSON())).not.toContain(API_KEY);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['a refusal', { refusal: "I can't help with that." }],
    ['the content filter', { finishReason: 'content_filter' as const, text: '' }],
  ])('%s is CONTENT_POLICY after one request', async (_name, reply) => {
    fake.script([reply]);
    const err = await failure(provider().complete(ask));
    expect(err).toMatchObject({ code: 'CONTENT_POLICY', retryable: false, attempts: 1 });
    expect(fake.requests).toHaveLength(1);
  });

  it('a hanging server becomes TIMEOUT within timeoutMs, and the connection is closed', async () => {
    fake.script([{ hang: true }]);
    const started = Date.now();
    const err = await failure(provider({ timeoutMs: 300, maxCallAttempts: 1 }).complete(ask));
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true, attempts: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    await fake.waitFor(() => fake.requests[0]?.clientClosed === true, 2_000);
  });

  it('a body that stalls after the headers also times out', async () => {
    fake.script([{ delayMs: 2_000 }]);
    const err = await failure(provider({ timeoutMs: 300, maxCallAttempts: 1 }).complete(ask));
    expect(err.code).toBe('TIMEOUT');
  });

  it('a timeout is retried like any transient failure', async () => {
    fake.script([{ hang: true }, { text: 'second time lucky' }]);
    const result = await provider({ timeoutMs: 300, maxCallAttempts: 2 }).complete(ask);
    expect(result).toMatchObject({ text: 'second time lucky', attempts: 2 });
  });

  it('a dropped connection is NETWORK after maxCallAttempts tries', async () => {
    fake.onRequest(() => ({ destroySocket: true }));
    const err = await failure(provider({ maxCallAttempts: 3 }).complete(ask));
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true, attempts: 3 });
    expect(fake.requests).toHaveLength(3);
  });

  it("the caller's abort is CANCELLED at once and closes the HTTP request", async () => {
    fake.script([{ hang: true }]);
    const controller = new AbortController();
    const call = provider({ timeoutMs: 30_000 }).complete({ ...ask, signal: controller.signal });
    await fake.waitFor(() => fake.requests.length === 1, 2_000);
    const abortedAt = Date.now();
    controller.abort();
    const err = await failure(call);
    expect(err).toMatchObject({ code: 'CANCELLED', retryable: false });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    await fake.waitFor(() => fake.requests[0]?.clientClosed === true, 2_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('an abort during the wait between tries is CANCELLED without another request', async () => {
    fake.script([fakeErrors.rateLimited({ 'retry-after-ms': '30000' })]);
    const controller = new AbortController();
    const call = provider().complete({ ...ask, signal: controller.signal });
    await fake.waitFor(() => fake.requests[0]?.endedAt !== undefined, 2_000);
    const abortedAt = Date.now();
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED', attempts: 1 });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('an already aborted signal makes no request', async () => {
    await expect(provider().complete({ ...ask, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects bad options and empty requests loudly', async () => {
    expect(() => provider({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => provider({ maxCallAttempts: 0 })).toThrow(RangeError);
    await expect(provider().complete({ messages: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
