/**
 * Scoped access tokens against two real API processes' worth of servers (in this test
 * process) on one database, with no worker: submitted jobs stay QUEUED, so a job's
 * subscription stays open for as long as a test needs it.
 */
import type { Client } from 'graphql-ws';
import { startTestApp, type TestApp } from '../support/app.js';
import { collect, gql, gqlData, pollUntil, wsClient } from '../support/graphql-client.js';
import { closeCode, errorCodes } from '../jobs/live/subscriptions-harness.js';

let a: TestApp;
let b: TestApp;
const clients: Client[] = [];

beforeAll(async () => {
  a = await startTestApp({ role: 'api' });
  b = await startTestApp({ role: 'api', db: a.db });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.dispose()));
  await b?.stop();
  await a?.stop();
}, 60_000);

const MINT = 'mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token expiresAt jobIds batchIds submitKinds } }';
const SUBMIT = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }';
const JOB = 'query($id: ID!) { job(id: $id) { id status batch { id } webhookDeliveries { id } } }';
const EVENTS = 'subscription($jobId: ID!) { jobEvents(jobId: $jobId) { sequence type } }';

async function submit(key: string, prompt = 'Hello.'): Promise<string> {
  const data = await gqlData(a.url, key, SUBMIT, { input: { kind: 'chain', input: { steps: [{ name: 'one', prompt }] } } });
  return data.submitJob.id;
}

async function mint(input: Record<string, unknown>, key = a.key): Promise<{ token: string; expiresAt: string }> {
  return (await gqlData(a.url, key, MINT, { input })).createAccessToken;
}

function ws(url: string, token: string): Client {
  const c = wsClient(url, token);
  clients.push(c);
  return c;
}

describe('createAccessToken', () => {
  test('a token reads exactly its jobs, on every API process; other ids are null, lists and control FORBIDDEN', async () => {
    const mine = await submit(a.key);
    const other = await submit(a.key);
    const { token, expiresAt } = await mint({ jobIds: [mine] });
    const lifetime = Date.parse(expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);

    for (const app of [a, b]) {
      expect((await gqlData(app.url, token, JOB, { id: mine })).job).toMatchObject({ id: mine, status: 'QUEUED', webhookDeliveries: [] });
      expect((await gqlData(app.url, token, JOB, { id: other })).job).toBeNull();
    }
    const refused = [
      'query { jobs { totalCount } }',
      'query { batches { totalCount } }',
      'query { webhookEndpoints { id } }',
      'query { viewer { id } }',
      `mutation { cancelJob(id: "${mine}") { id } }`,
      `mutation { createAccessToken(input: { jobIds: ["${mine}"] }) { token } }`,
      'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/x" }) { secret } }',
    ];
    for (const query of refused) {
      const res = await gql(a.url, token, query);
      expect([query, res.errors?.[0]?.extensions?.code]).toEqual([query, 'FORBIDDEN']);
    }
  });

  test('bad input names its field: lifetime above the maximum, unknown kind', async () => {
    const tooLong = await gql(a.url, a.key, MINT, { input: { expiresInSeconds: 86_401 } });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'expiresInSeconds'] });
    const kind = await gql(a.url, a.key, MINT, { input: { submitKinds: ['chain', 'nope'] } });
    expect(kind.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'submitKinds', 1] });
  });

  test('what a token submits joins its scope (a batch with its jobs); kinds it may not submit are FORBIDDEN', async () => {
    const { token } = await mint({ submitKinds: ['chain', 'document.analyze'] });
    const jobId = await submit(token);
    expect((await gqlData(b.url, token, JOB, { id: jobId })).job.id).toBe(jobId);
    const batch = (
      await gqlData(a.url, token, 'mutation { analyzeDocuments(input: { documents: [{ name: "a", text: "A." }, { name: "b", text: "B." }] }) { id jobs { edges { node { id } } } } }')
    ).analyzeDocuments;
    const batchJob = batch.jobs.edges[0].node.id;
    expect((await gqlData(b.url, token, 'query($id: ID!) { batch(id: $id) { id total } }', { id: batch.id })).batch).toEqual({ id: batch.id, total: 2 });
    expect((await gqlData(b.url, token, JOB, { id: batchJob })).job).toMatchObject({ id: batchJob, batch: { id: batch.id } });

    // A token's idempotency keys are its own: the same key and input do not reach the key's job.
    const input = { kind: 'chain', input: { steps: [{ name: 'one', prompt: 'Same input.' }] }, idempotencyKey: 'same-key' };
    const byKey = (await gqlData(a.url, a.key, SUBMIT, { input })).submitJob.id;
    const byToken = (await gqlData(a.url, token, SUBMIT, { input })).submitJob.id;
    expect(byToken).not.toBe(byKey);
    expect((await gqlData(a.url, token, SUBMIT, { input })).submitJob.id).toBe(byToken);
    expect((await gqlData(a.url, token, JOB, { id: byKey })).job).toBeNull();

    const { token: chainOnly } = await mint({ submitKinds: ['chain'] });
    const res = await gql(a.url, chainOnly, 'mutation { analyzeDocuments(input: { documents: [{ name: "a", text: "A." }] }) { id } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('over WebSocket: its job streams; another job is NOT_FOUND; tenantJobEvents is FORBIDDEN; a job submitted later joins', async () => {
    const mine = await submit(a.key);
    const other = await submit(a.key);
    const { token } = await mint({ jobIds: [mine], submitKinds: ['chain'] });
    const c = ws(b.url, token);
    const ok = collect(c, EVENTS, { jobId: mine }, 'jobEvents');
    await ok.until((xs) => xs.length >= 1);
    expect(ok.items[0]).toEqual({ sequence: 1, type: 'QUEUED' });
    const missing = collect(c, EVENTS, { jobId: other }, 'jobEvents');
    await missing.done;
    expect(errorCodes(missing.errors)).toEqual(['NOT_FOUND']);
    const tenantWide = collect(c, 'subscription { tenantJobEvents { sequence } }', {}, 'tenantJobEvents');
    await tenantWide.done;
    expect(errorCodes(tenantWide.errors)).toEqual(['FORBIDDEN']);
    // Submitted over HTTP after the socket opened: the socket sees the wider scope.
    const later = await submit(token);
    const joined = collect(c, EVENTS, { jobId: later }, 'jobEvents');
    await joined.until((xs) => xs.length >= 1);
    ok.unsubscribe();
    joined.unsubscribe();
  });

  test('an expired token is refused, and its open subscription is closed', async () => {
    const jobId = await submit(a.key);
    const { token } = await mint({ jobIds: [jobId], expiresInSeconds: 2 });
    const open = collect(ws(a.url, token), EVENTS, { jobId }, 'jobEvents');
    await open.until((xs) => xs.length >= 1);
    await open.done;
    expect(open.errors.map(closeCode)).toEqual([4401]);
    const res = await gql(b.url, token, JOB, { id: jobId });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 30_000);

  test('revoking the minting key ends its tokens on every API process, open sockets included', async () => {
    const key = await a.newTenantKey(`revoke-${Date.now()}`);
    const jobId = await submit(key);
    const { token } = await mint({ jobIds: [jobId] }, key);
    expect((await gqlData(b.url, token, JOB, { id: jobId })).job.id).toBe(jobId);
    const app = await startTestApp({ role: 'api', db: a.db, env: { ACCESS_TOKEN_RECHECK: '200ms' } });
    try {
      const open = collect(ws(app.url, token), EVENTS, { jobId }, 'jobEvents');
      await open.until((xs) => xs.length >= 1);
      // How a revoked key is stored: it stays, marked revokedAt.
      const { createHash } = await import('node:crypto');
      await a.db.db.collection('api_keys').updateOne({ _id: createHash('sha256').update(key).digest('hex') as never }, { $set: { revokedAt: new Date() } });
      for (const server of [a, b]) {
        const res = await gql(server.url, token, JOB, { id: jobId });
        expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      await pollUntil(async () => open.errors.map(closeCode), (codes) => codes.includes(4401), 10_000);
    } finally {
      await app.stop();
    }
  });
});
