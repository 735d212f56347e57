import http from 'node:http';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

describe('fake OpenAI server', () => {
  let fake: FakeOpenAi;
  beforeEach(async () => {
    fake = await startFakeOpenAi({ apiKey: 'k' });
  });
  afterEach(() => fake.close());

  const auth = { authorization: 'Bearer k' };
  const chat = (content: string, extra: Record<string, unknown> = {}) => ({
    model: 'm1',
    messages: [{ role: 'user', content }],
    ...extra,
  });

  it('answers deterministically in the OpenAI shape', async () => {
    const a = await post(`${fake.baseUrl}/chat/completions`, chat('Hello there. More text.'), auth);
    const b = await post(`${fake.baseUrl}/chat/completions`, chat('Hello there. More text.'), auth);
    expect(a.status).toBe(200);
    expect(a.json.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'fake answer: Hello there.' }, finish_reason: 'stop' });
    expect(a.json.model).toBe('m1');
    expect(a.json.usage.total_tokens).toBe(a.json.usage.prompt_tokens + a.json.usage.completion_tokens);
    expect(b.json.choices).toEqual(a.json.choices);
    expect(fake.requests.map((r) => r.body?.model)).toEqual(['m1', 'm1']);
    expect(fake.requestsMatching((r) => r.index === 1)).toHaveLength(1);
  });

  it('answers JSON with the analysis keys when JSON is asked for', async () => {
    const r = await post(`${fake.baseUrl}/chat/completions`, chat('Analyse this report.', { response_format: { type: 'json_object' } }), auth);
    expect(JSON.parse(r.json.choices[0].message.content)).toEqual({
      keyPoints: ['Analyse this report.'],
      topics: ['analyse', 'report'],
      sentiment: 'neutral',
      entities: [],
    });
  });

  it('plays the script first, then the handler, with headers and delays', async () => {
    fake.script([{ status: 429, headers: { 'retry-after-ms': '300' } }]);
    fake.onRequest((req) => ({ text: `handled #${req.index}`, delayMs: 20 }));
    const first = await post(`${fake.baseUrl}/chat/completions`, chat('x'), auth);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after-ms')).toBe('300');
    const second = await post(`${fake.baseUrl}/chat/completions`, chat('x'), auth);
    expect(second.json.choices[0].message.content).toBe('handled #1');
  });

  it('reports cached tokens when scripted, and the tier only when one was asked for', async () => {
    fake.script([{ usage: { prompt_tokens: 3_000, completion_tokens: 5 }, cachedTokens: 2_048 }]);
    const flex = await post(`${fake.baseUrl}/chat/completions`, chat('x', { service_tier: 'flex', prompt_cache_key: 'chain:t1' }), auth);
    expect(flex.json.usage.prompt_tokens_details).toEqual({ cached_tokens: 2_048 });
    expect(flex.json.service_tier).toBe('flex');
    expect(fake.requests[0]!.body).toMatchObject({ service_tier: 'flex', prompt_cache_key: 'chain:t1' });
    const plain = await post(`${fake.baseUrl}/chat/completions`, chat('x'), auth);
    expect(plain.json.service_tier).toBeUndefined();
    expect(plain.json.usage.prompt_tokens_details).toBeUndefined();
  });

  it('refuses a wrong key and unknown routes', async () => {
    expect((await post(`${fake.baseUrl}/chat/completions`, chat('x'), { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post(`${fake.baseUrl}/embeddings`, {}, auth)).status).toBe(404);
  });

  it('close() ends hanging requests too', async () => {
    fake.script([{ hang: true }]);
    const failed = new Promise<string>((resolve) => {
      const req = http.request(`${fake.baseUrl}/chat/completions`, { method: 'POST', headers: auth }, () => resolve('answered'));
      req.on('error', (err) => resolve(`error: ${err.message}`));
      req.end(JSON.stringify(chat('x')));
    });
    await fake.waitFor(() => fake.requests.length === 1, 2_000);
    await fake.close();
    expect(await failed).toMatch(/^error/);
    fake = await startFakeOpenAi(); // afterEach closes it
  });

  it('waitFor rejects at its deadline', async () => {
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/within 50 ms/);
  });
});
