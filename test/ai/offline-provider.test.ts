import { countTokens, createAiProvider, createOfflineProvider, OFFLINE_MARKER } from '../../src/ai/index.js';

const doc = 'The harbour reopened on Monday after repairs. Ships queued overnight. Fishermen were relieved. Prices fell.';

describe('offline provider', () => {
  const offline = createOfflineProvider();

  it('is deterministic, says it is offline, and counts tokens', async () => {
    const req = { messages: [{ role: 'system' as const, content: 'You summarise.' }, { role: 'user' as const, content: doc }] };
    const a = await offline.complete(req);
    const b = await offline.complete(req);
    expect(a).toEqual(b);
    expect(a.text.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(a.text).toContain('The harbour reopened on Monday after repairs.');
    expect(a).toMatchObject({ model: 'offline', offline: true, attempts: 1 });
    expect(a.usage.promptTokens).toBe(countTokens('You summarise.') + countTokens(doc));
    expect(a.usage.completionTokens).toBe(countTokens(a.text));
    expect(a.usage.totalTokens).toBe(a.usage.promptTokens + a.usage.completionTokens);
    expect(offline.name).toBe('offline');
  });

  it('summarises the text after an instruction line, not the instruction', async () => {
    const result = await offline.complete({
      messages: [{ role: 'user', content: `Summarize the following text in two sentences:\n\n${doc}` }],
    });
    expect(result.text).toBe(`${OFFLINE_MARKER} The harbour reopened on Monday after repairs. Ships queued overnight.`);
  });

  it('answers the analysis shape when a JSON prompt names its keys', async () => {
    const result = await offline.complete({
      json: true,
      messages: [
        { role: 'system', content: 'Reply with JSON: {"summary", "keyPoints", "topics", "sentiment", "entities"}' },
        { role: 'user', content: `<document>${doc}</document>` },
      ],
    });
    const parsed = JSON.parse(result.text) as Record<string, unknown>;
    expect(parsed).toEqual({
      summary: expect.stringMatching(/^\[offline\] The harbour/),
      keyPoints: [
        '[offline] The harbour reopened on Monday after repairs.',
        '[offline] Ships queued overnight.',
        '[offline] Fishermen were relieved.',
      ],
      topics: expect.any(Array),
      sentiment: 'neutral',
      entities: [],
    });
    expect((parsed['topics'] as string[]).length).toBeGreaterThan(0);
  });

  it('answers { output } for other JSON requests', async () => {
    const result = await offline.complete({ json: true, messages: [{ role: 'user', content: 'Return JSON. Hello there.' }] });
    expect(JSON.parse(result.text)).toEqual({ output: `${OFFLINE_MARKER} Return JSON. Hello there.` });
  });

  it('honours maxTokens for text answers', async () => {
    const long = Array.from({ length: 50 }, (_, i) => `Sentence ${i} is here.`).join(' ');
    const result = await offline.complete({ maxTokens: 5, messages: [{ role: 'user', content: long }] });
    expect(countTokens(result.text)).toBeLessThanOrEqual(5);
    expect(result.text.startsWith(OFFLINE_MARKER)).toBe(true);
  });

  it('is cancelled by an aborted signal and refuses an empty request', async () => {
    await expect(offline.complete({ messages: [{ role: 'user', content: 'x' }], signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(offline.complete({ messages: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('offline provider: prompt caching and tiers, as OpenAI reports them', () => {
  const long = Array.from({ length: 400 }, (_, i) => `Instruction ${i} of the shared system prompt.`).join(' ');

  it('reports a repeated prefix of 1,024 tokens or more as cached, per model and prompt_cache_key', async () => {
    const ai = createOfflineProvider();
    const ask = (user: string, key = 'k1') =>
      ai.complete({ messages: [{ role: 'system', content: long }, { role: 'user', content: user }], promptCacheKey: key });
    const first = await ask('First document.');
    expect(first.usage.cachedPromptTokens).toBeUndefined();
    const second = await ask('Second document.');
    expect(second.usage.cachedPromptTokens).toBeGreaterThanOrEqual(1_024);
    expect(second.usage.cachedPromptTokens! % 128).toBe(0);
    expect(second.usage.cachedPromptTokens!).toBeLessThanOrEqual(second.usage.promptTokens);
    expect((await ask('Third document.', 'another-key')).usage.cachedPromptTokens).toBeUndefined();
    // A short prompt is never cached.
    await ai.complete({ messages: [{ role: 'user', content: 'short' }] });
    expect((await ai.complete({ messages: [{ role: 'user', content: 'short' }] })).usage.cachedPromptTokens).toBeUndefined();
  });

  it('names the tier asked for', async () => {
    const ai = createOfflineProvider();
    expect((await ai.complete({ messages: [{ role: 'user', content: 'x' }], serviceTier: 'flex' })).serviceTier).toBe('flex');
    expect((await ai.complete({ messages: [{ role: 'user', content: 'x' }] })).serviceTier).toBe('default');
  });
});

describe('createAiProvider', () => {
  const common = { model: 'gpt-4o-mini', timeoutMs: 1_000, maxCallAttempts: 2 };

  it('offline reports the offline model, whatever model is configured', () => {
    const p = createAiProvider({ provider: 'offline', ...common });
    expect(p).toMatchObject({ name: 'offline', model: 'offline' });
  });

  it('openai uses the configured model and makes no request until asked', () => {
    const p = createAiProvider({ provider: 'openai', apiKey: 'sk-x', baseUrl: 'http://127.0.0.1:9/v1', ...common });
    expect(p).toMatchObject({ name: 'openai', model: 'gpt-4o-mini' });
  });
});
