import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('configuration', () => {
  test('defaults follow the contract', () => {
    const c = loadConfig({});
    expect(c.role).toBe('all');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(4000);
    expect(c.dataDir).toBe('./.data');
    expect(c.mongodbUri).toBeUndefined();
    expect(c.ai.provider).toBe('offline');
    expect(c.ai.model).toBe('gpt-4o-mini');
    expect(c.ai.timeoutMs).toBe(60_000);
    expect(c.jobs.timeoutMs).toBe(1_800_000);
    expect(c.jobs.concurrency).toBe(4);
    expect(c.webhooks.retrySchedule).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(c.webhooks.timeoutMs).toBe(15_000);
    expect(c.webhooks.allowPrivateUrls).toBe(false);
    expect(c.webhooks.disableAfterMs).toBe(5 * 86_400_000);
    expect(c.webhooks.maxPayloadBytes).toBe(262_144);
    expect(c.webhooks.secretKey).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.publicUrl).toBeUndefined();
    expect(c.jobs.maxRunAtAheadMs).toBe(366 * 86_400_000);
    expect(c.jobs.maxSchedulesPerTenant).toBe(100);
  });

  test('WEBHOOK_TENANT_CONCURRENCY: a share of the dispatcher by default, never above WEBHOOK_CONCURRENCY', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ concurrency: 64, perEndpointConcurrency: 8, perTenantConcurrency: 16 });
    // A quarter of the slots, but at least two endpoints' worth, and never more than all of them.
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '100' }).webhooks.perTenantConcurrency).toBe(25);
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '32' }).webhooks.perTenantConcurrency).toBe(16);
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '3', WEBHOOK_ENDPOINT_CONCURRENCY: '1' }).webhooks.perTenantConcurrency).toBe(2);
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '4', WEBHOOK_ENDPOINT_CONCURRENCY: '4' }).webhooks.perTenantConcurrency).toBe(4);
    expect(loadConfig({ WEBHOOK_TENANT_CONCURRENCY: '64' }).webhooks.perTenantConcurrency).toBe(64);
    for (const bad of ['0', '65', 'x']) {
      expect(() => loadConfig({ WEBHOOK_TENANT_CONCURRENCY: bad })).toThrow(/WEBHOOK_TENANT_CONCURRENCY=.* is invalid: expected a whole number from 1 to 64/);
    }
  });

  test('WEBHOOK_SECRET_KEY is base64 of 32 bytes, held as a key that never prints', () => {
    const raw = randomBytes(32);
    const encoded = raw.toString('base64');
    const key = loadConfig({ WEBHOOK_SECRET_KEY: encoded }).webhooks.secretKey!;
    expect(key.type).toBe('secret');
    expect(key.symmetricKeySize).toBe(32);
    expect(key.export().equals(raw)).toBe(true);
    expect(loadConfig({ WEBHOOK_SECRET_KEY: `${encoded}\n` }).webhooks.secretKey!.export().equals(raw)).toBe(true);
    expect(JSON.stringify(loadConfig({ WEBHOOK_SECRET_KEY: encoded }))).not.toContain(encoded);
    expect(inspect(loadConfig({ WEBHOOK_SECRET_KEY: encoded }), { depth: 10 })).not.toContain(encoded);
    expect(loadConfig({ WEBHOOK_SECRET_KEY: '' }).webhooks.secretKey).toBeUndefined();

    const expected = /WEBHOOK_SECRET_KEY=.* is invalid: expected base64 of 32 random bytes, e\.g\. `openssl rand -base64 32`/;
    const hex = raw.toString('hex'); // a real key in the wrong encoding: refused without echoing it
    for (const bad of [hex, randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), 'not base64 at all!', encoded.slice(0, -1)]) {
      expect(() => loadConfig({ WEBHOOK_SECRET_KEY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ WEBHOOK_SECRET_KEY: bad })).toThrow(expected);
      expect(() => loadConfig({ WEBHOOK_SECRET_KEY: bad })).not.toThrow(bad);
    }
  });

  test('WS_SEND_BUFFER_BYTES and WS_SEND_TIMEOUT: 4 MiB and 30 s, checked', () => {
    const c = loadConfig({});
    expect(c.events.sendBufferBytes).toBe(4 * 1024 * 1024);
    expect(c.events.sendTimeoutMs).toBe(30_000);
    const set = loadConfig({ WS_SEND_BUFFER_BYTES: '65536', WS_SEND_TIMEOUT: '5s' });
    expect([set.events.sendBufferBytes, set.events.sendTimeoutMs]).toEqual([65_536, 5_000]);
    expect(() => loadConfig({ WS_SEND_BUFFER_BYTES: '12' })).toThrow(/WS_SEND_BUFFER_BYTES/);
    expect(() => loadConfig({ WS_SEND_TIMEOUT: 'soon' })).toThrow(/WS_SEND_TIMEOUT/);
  });

  test('the Batch API settings: short intervals offline, a minute with a real provider; the provider limits of a file', () => {
    expect(loadConfig({}).ai.batch).toEqual({ pollMs: 2_000, gatherWaitMs: 1_000, deadlineMs: 86_400_000, maxLines: 50_000, maxBytes: 209_715_200 });
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).ai.batch).toMatchObject({ pollMs: 60_000, gatherWaitMs: 10_000 });
    expect(loadConfig({ AI_BATCH_POLL_INTERVAL: '5s', AI_BATCH_DEADLINE: '2h', AI_BATCH_MAX_LINES: '100' }).ai.batch).toMatchObject({ pollMs: 5_000, deadlineMs: 7_200_000, maxLines: 100 });
  });

  test('the AI provider is openai when OPENAI_API_KEY is set', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).ai.provider).toBe('openai');
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test', AI_PROVIDER: 'offline' }).ai.provider).toBe('offline');
  });

  test('AI_CONTEXT_TOKENS defaults to the model window, else 8192', () => {
    expect(loadConfig({ OPENAI_MODEL: 'gpt-4o-mini' }).ai.contextTokens).toBe(128_000);
    expect(loadConfig({ OPENAI_MODEL: 'some-local-model' }).ai.contextTokens).toBe(8192);
    expect(loadConfig({ AI_CONTEXT_TOKENS: '4096' }).ai.contextTokens).toBe(4096);
  });

  test('the config object is frozen', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.webhooks.retrySchedule)).toBe(true);
  });

  test.each([
    ['PORT', 'abc', /PORT="abc" is invalid: expected a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT="70000"/],
    ['ROLE', 'janitor', /ROLE="janitor" is invalid: expected one of api, worker, all/],
    ['WEBHOOK_RETRY_SCHEDULE', '0s,5 minutes', /WEBHOOK_RETRY_SCHEDULE="0s,5 minutes" is invalid: expected a comma-separated list of durations/],
    ['WEBHOOK_ALLOW_PRIVATE_URLS', 'maybe', /WEBHOOK_ALLOW_PRIVATE_URLS="maybe" is invalid: expected true or false/],
    ['WEBHOOK_DISABLE_AFTER', 'forever', /WEBHOOK_DISABLE_AFTER="forever"/],
    ['AI_TIMEOUT_MS', '-5', /AI_TIMEOUT_MS="-5"/],
    ['MONGODB_URI', 'not a url', /MONGODB_URI="not a url" is invalid: expected an absolute URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL="loud"/],
    ['AI_PROVIDER', 'gpt', /AI_PROVIDER="gpt"/],
    ['AI_PRICES', '{"m":{"input":"free"}}', /AI_PRICES=/],
    ['AI_PRICES', '{"m":{"input":1,"output":2,"batch":{"input":-1,"output":1}}}', /AI_PRICES=/],
    ['AI_BATCH_POLL_INTERVAL', 'often', /AI_BATCH_POLL_INTERVAL="often" is invalid: expected a duration/],
    ['AI_BATCH_POLL_INTERVAL', '1ms', /AI_BATCH_POLL_INTERVAL="1ms" is invalid: expected a duration of at least 10ms/],
    ['AI_BATCH_DEADLINE', '0s', /AI_BATCH_DEADLINE="0s"/],
    ['AI_BATCH_MAX_LINES', '50001', /AI_BATCH_MAX_LINES="50001" is invalid: expected a whole number from 1 to 50000/],
    ['AI_BATCH_MAX_BYTES', '10', /AI_BATCH_MAX_BYTES="10"/],
    ['PUBLIC_URL', 'jobs.example.com', /PUBLIC_URL="jobs.example.com" is invalid: expected an absolute URL/],
    ['RUN_AT_MAX_AHEAD', 'a year', /RUN_AT_MAX_AHEAD="a year"/],
    ['SCHEDULES_MAX_PER_TENANT', '0', /SCHEDULES_MAX_PER_TENANT="0"/],
  ])('%s=%s is refused with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  test('AI_PROVIDER=openai without a key or base URL is refused', () => {
    expect(() => loadConfig({ AI_PROVIDER: 'openai' })).toThrow(/AI_PROVIDER="openai" is invalid: expected OPENAI_API_KEY/);
  });

  test("an access token's ceiling: defaults, and models outside AI_MODELS refused", () => {
    expect(loadConfig({}).accessTokens).toMatchObject({
      requestsPerMinute: 120,
      maxConnections: 5,
      allowance: { models: ['gpt-4o-mini'], maxPriority: 0, maxAttempts: 3, maxOutputTokens: 4096, budget: { maxTokens: 100_000, maxCostUsd: null } },
    });
    expect(loadConfig({ ACCESS_TOKEN_MAX_PRIORITY: '-10', ACCESS_TOKEN_JOB_MAX_USD: '0.25' }).accessTokens.allowance).toMatchObject({ maxPriority: -10, budget: { maxCostUsd: 0.25 } });
    expect(() => loadConfig({ ACCESS_TOKEN_MODELS: 'gpt-4o-mini,gpt-5' })).toThrow(/ACCESS_TOKEN_MODELS="gpt-4o-mini,gpt-5" is invalid: expected a comma-separated list of models from AI_MODELS/);
    expect(() => loadConfig({ ACCESS_TOKEN_MAX_PRIORITY: '1001' })).toThrow(ConfigError);
    expect(() => loadConfig({ ACCESS_TOKEN_JOB_MAX_USD: '-1' })).toThrow(ConfigError);
  });
});
