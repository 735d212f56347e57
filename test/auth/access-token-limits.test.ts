/**
 * An access token's own limits, on two API processes (in this test process) over one
 * database with no worker: its WebSockets and its request rate are capped below its
 * tenant's, so a browser cannot lock its tenant's API key out; and what its submissions may
 * ask for (models, priority, attempts, answer caps, a budget that is always set) is fixed
 * when it is minted, refused (FORBIDDEN, naming the field) when asked for beyond it, and
 * filled in from it when not asked for.
 */
import type { Client } from 'graphql-ws';
import { startTestApp, type TestApp } from '../support/app.js';
import { within } from '../support/eventually.js';
import { collect, gql, gqlData, wsClient } from '../support/graphql-client.js';
import { closeCode } from '../jobs/live/subscriptions-harness.js';

let a: TestApp;
let b: TestApp;
const clients: Client[] = [];

const ENV = {
  AI_MODELS: 'gpt-4o-mini,gpt-4o',
  ACCESS_TOKEN_MODELS: 'gpt-4o-mini,gpt-4o',
  ACCESS_TOKEN_MAX_PRIORITY: '5',
  ACCESS_TOKEN_MAX_CONNECTIONS: '2',
  MAX_CONNECTIONS_PER_TENANT: '6',
  API_RATE_LIMIT: '1000',
};

/** Two API processes on one database, for the tests of one describe block. */
function twoApiProcesses(env: Record<string, string>): void {
  beforeAll(async () => {
    a = await startTestApp({ role: 'api', env: { ...ENV, ...env } });
    b = await startTestApp({ role: 'api', env: { ...ENV, ...env }, db: a.db });
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.dispose()));
    await b?.stop();
    await a?.stop();
  }, 60_000);
}

const ALLOWANCE = 'models maxPriority maxAttempts maxOutputTokens budget { maxCostUsd maxTokens }';
const MINT = `mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token ${ALLOWANCE} } }`;
const SUBMIT = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id priority maxAttempts } }';
const EVENTS = 'subscription($jobId: ID!) { jobEvents(jobId: $jobId) { sequence } }';

async function mint(input: Record<string, unknown>): Promise<Record<string, unknown> & { token: string }> {
  return (await gqlData(a.url, a.key, MINT, { input })).createAccessToken;
}

function chain(extra: Record<string, unknown> = {}, step: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'chain', input: { steps: [{ name: 'one', prompt: 'Hello.', ...step }] }, ...extra };
}

function ws(url: string, key: string): Client {
  const c = wsClient(url, key);
  clients.push(c);
  return c;
}

describe('connections and request rate', () => {
  twoApiProcesses({ ACCESS_TOKEN_RATE_LIMIT: '8' });

  test('a token holds at most ACCESS_TOKEN_MAX_CONNECTIONS sockets over both processes; the tenant key and another token still connect', async () => {
    const { token } = await mint({ submitKinds: ['chain'] });
    const jobId = (await gqlData(a.url, token, SUBMIT, { input: chain() })).submitJob.id;
    // One after another: two connections racing for the last place may both get it.
    for (const url of [a.url, b.url]) {
      const open = collect(ws(url, token), EVENTS, { jobId }, 'jobEvents');
      await open.until((items) => items.length >= 1, 15_000);
    }
    const third = collect(ws(b.url, token), EVENTS, { jobId }, 'jobEvents');
    await within(third.done, 15_000, "the token's third connection to be refused");
    expect(third.items).toEqual([]);
    expect(third.errors.map(closeCode)).toEqual([4429]);
    expect(String((third.errors[0] as { reason?: string }).reason)).toContain('ACCESS_TOKEN_MAX_CONNECTIONS=2');

    const byKey = collect(ws(a.url, a.key), EVENTS, { jobId }, 'jobEvents');
    await byKey.until((items) => items.length >= 1, 15_000);
    const { token: other } = await mint({ jobIds: [jobId] });
    const byOther = collect(ws(b.url, other), EVENTS, { jobId }, 'jobEvents');
    await byOther.until((items) => items.length >= 1, 15_000);
  }, 60_000);

  test('a token past ACCESS_TOKEN_RATE_LIMIT gets 429 with Retry-After, over HTTP and WebSocket; the tenant key is not limited', async () => {
    const { token } = await mint({ submitKinds: ['chain'] });
    const jobId = (await gqlData(a.url, token, SUBMIT, { input: chain() })).submitJob.id;
    // Eight requests a minute (the mint's submission was one). The window may turn over in
    // the middle: then a later request is the first refused.
    let refused: Awaited<ReturnType<typeof gql>> | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const res = await gql(i % 2 === 0 ? a.url : b.url, token, 'query($id: ID!) { job(id: $id) { id } }', { id: jobId });
      if (res.status === 429) refused = res;
      else expect(res.errors).toBeUndefined();
    }
    expect(refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused?.errors?.[0]?.message).toContain('ACCESS_TOKEN_RATE_LIMIT=8');
    expect(refused?.errors?.[0]?.extensions?.retryAfter).toBeGreaterThanOrEqual(1);
    const overWs = collect(ws(b.url, token), EVENTS, { jobId }, 'jobEvents');
    await within(overWs.done, 15_000, 'the WebSocket subscription to be refused');
    expect((overWs.errors.flat()[0] as { extensions?: { code?: string } }).extensions?.code).toBe('RATE_LIMITED');
    // Its tenant's key goes on (its own limit is far away).
    expect((await gql(a.url, a.key, '{ viewer { id } }')).status).toBe(200);
  }, 60_000);
});

describe('what a token may submit', () => {
  twoApiProcesses({});

  test('minted without options it gets the configured ceiling; narrower values are kept; wider ones are BAD_USER_INPUT naming the field', async () => {
    expect(await mint({})).toMatchObject({
      models: ['gpt-4o-mini', 'gpt-4o'],
      maxPriority: 5,
      maxAttempts: 3,
      maxOutputTokens: 4096,
      budget: { maxCostUsd: null, maxTokens: 100_000 },
    });
    const narrow = await mint({ models: ['gpt-4o-mini'], maxPriority: -5, maxAttempts: 1, maxOutputTokens: 100, budget: { maxTokens: 500 } });
    expect(narrow).toMatchObject({ models: ['gpt-4o-mini'], maxPriority: -5, maxAttempts: 1, maxOutputTokens: 100, budget: { maxCostUsd: null, maxTokens: 500 } });
    const wider: Array<[Record<string, unknown>, unknown[]]> = [
      [{ models: ['gpt-4o-mini', 'gpt-5'] }, ['input', 'models', 1]],
      [{ maxPriority: 6 }, ['input', 'maxPriority']],
      [{ maxAttempts: 4 }, ['input', 'maxAttempts']],
      [{ maxOutputTokens: 4097 }, ['input', 'maxOutputTokens']],
      [{ budget: { maxTokens: 100_001 } }, ['input', 'budget', 'maxTokens']],
    ];
    for (const [input, path] of wider) {
      const res = await gql(a.url, a.key, MINT, { input });
      expect([input, res.errors?.[0]?.extensions]).toEqual([input, expect.objectContaining({ code: 'BAD_USER_INPUT', path })]);
    }
  });

  test('a submission beyond the allowance is FORBIDDEN naming the field; within it, what it leaves out comes from the allowance', async () => {
    const { token } = await mint({ submitKinds: ['chain', 'document.analyze'], models: ['gpt-4o-mini'], maxPriority: 2, maxAttempts: 2, maxOutputTokens: 300, budget: { maxTokens: 5_000 } });
    const refused: Array<[Record<string, unknown>, unknown[]]> = [
      [chain({ priority: 1000 }), ['input', 'priority']],
      [chain({ maxAttempts: 20 }), ['input', 'maxAttempts']],
      [chain({ model: 'gpt-4o' }), ['input', 'model']],
      [chain({}, { model: 'gpt-4o' }), ['input', 'input', 'steps', 0, 'model']],
      [chain({ maxOutputTokens: 1_000_000 }), ['input', 'maxOutputTokens']],
      [chain({}, { maxOutputTokens: 301 }), ['input', 'input', 'steps', 0, 'maxOutputTokens']],
      [chain({ budget: { maxTokens: 5_001 } }), ['input', 'budget', 'maxTokens']],
    ];
    const jobsBefore = await a.db.db.collection('jobs').countDocuments();
    for (const [input, path] of refused) {
      const res = await gql(a.url, token, SUBMIT, { input });
      expect([input, res.errors?.[0]?.extensions]).toEqual([input, expect.objectContaining({ code: 'FORBIDDEN', path })]);
      expect(res.errors?.[0]?.message).toContain(path.join('.'));
    }
    // Nothing was stored for the refused ones.
    expect(await a.db.db.collection('jobs').countDocuments()).toBe(jobsBefore);

    const plain = (await gqlData(a.url, token, SUBMIT, { input: chain() })).submitJob;
    expect(plain).toMatchObject({ priority: 0, maxAttempts: 2 });
    const stored = await a.db.db.collection('jobs').findOne({ _id: plain.id });
    expect(stored).toMatchObject({ ai: { maxOutputTokens: 300 }, budget: { maxTokens: 5_000, maxCostUsd: null } });
    const narrower = (await gqlData(a.url, token, SUBMIT, { input: chain({ priority: 2, maxAttempts: 1, maxOutputTokens: 50, budget: { maxTokens: 900 } }) })).submitJob;
    expect(narrower).toMatchObject({ priority: 2, maxAttempts: 1 });
    expect(await a.db.db.collection('jobs').findOne({ _id: narrower.id })).toMatchObject({ ai: { maxOutputTokens: 50 }, budget: { maxTokens: 900 } });

    const batch = (await gqlData(a.url, token, 'mutation { analyzeDocuments(input: { documents: [{ name: "a", text: "A." }] }) { jobs { edges { node { id maxAttempts } } } } }')).analyzeDocuments;
    const batchJob = batch.jobs.edges[0].node;
    expect(batchJob.maxAttempts).toBe(2);
    expect(await a.db.db.collection('jobs').findOne({ _id: batchJob.id })).toMatchObject({ ai: { maxOutputTokens: 300 }, budget: { maxTokens: 5_000 } });
    const bigBatch = await gql(a.url, token, 'mutation { analyzeDocuments(input: { documents: [{ name: "a", text: "A." }], model: "gpt-4o" }) { id } }');
    expect(bigBatch.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', path: ['input', 'model'] });

    // The tenant's own key is held to nothing of this.
    expect((await gqlData(a.url, a.key, SUBMIT, { input: chain({ priority: 1000, maxAttempts: 20, model: 'gpt-4o' }) })).submitJob).toMatchObject({ priority: 1000, maxAttempts: 20 });
  });
});
