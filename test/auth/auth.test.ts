/** API keys over HTTP and WebSocket: none, wrong and right. */
import { collect, gql, wsClient } from '../support/graphql-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { hashApiKey } from '../../src/auth/api-keys.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ role: 'api' });
});
afterAll(async () => {
  await app?.stop();
});

describe('HTTP', () => {
  test('no key is UNAUTHENTICATED with status 401', async () => {
    const res = await gql(app.url, undefined, '{ viewer { id } }');
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a wrong key is UNAUTHENTICATED', async () => {
    const res = await gql(app.url, 'ak_wrong', '{ viewer { id } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('the right key answers viewer with its tenant and zero usage', async () => {
    const res = await gql(app.url, app.key, '{ viewer { id name usage { calls promptTokens completionTokens totalTokens costUsd } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer.id).toBe(app.tenantId);
    expect(res.data.viewer.usage).toEqual({ calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 });
  });

  test('keys are stored hashed, never as given', async () => {
    const stored = await app.db.db.collection('api_keys').find({}).toArray();
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(app.key);
    expect(stored.map((k) => k._id)).toContain(hashApiKey(app.key));
  });

  test('an unknown field is a BAD_USER_INPUT error, an unknown error shape never leaks', async () => {
    const res = await gql(app.url, app.key, '{ viewer { nope } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('WebSocket', () => {
  const closeCodeOf = (key: string | undefined) =>
    new Promise<number>((resolve) => {
      const client = wsClient(app.url, key, { on: { closed: (e) => resolve((e as { code: number }).code) } });
      client.subscribe({ query: 'subscription { tenantJobEvents { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    });

  test('no key closes the connection with 4403 Forbidden', async () => {
    expect(await closeCodeOf(undefined)).toBe(4403);
  });

  test('a wrong key closes the connection with 4403 Forbidden', async () => {
    expect(await closeCodeOf('Bearer-less-garbage')).toBe(4403);
  });

  test('the right key subscribes and receives its tenant events', async () => {
    const client = wsClient(app.url, app.key);
    const sub = collect(client, 'subscription { tenantJobEvents { type jobId } }', {}, 'tenantJobEvents');
    try {
      // The subscription is live once the server acknowledged it; submit until an event arrives.
      const submitted = await gql(app.url, app.key, 'mutation { submitJob(input: { kind: "chain", input: { steps: [{ name: "a", prompt: "x" }] } }) { id } }');
      const jobId = submitted.data.submitJob.id;
      const items = await sub.until((xs) => xs.some((e: { jobId: string }) => e.jobId === jobId), 15_000);
      expect(items.find((e: { jobId: string }) => e.jobId === jobId)).toMatchObject({ type: 'QUEUED' });
    } finally {
      sub.unsubscribe();
      await client.dispose();
    }
  });
});
