/**
 * API key listing, expiry and revocation (HTTP at once, open WebSockets within seconds),
 * and per-tenant rate limits shared by two API processes, on one FerretDB database.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createApiKey } from '../../src/auth/api-keys.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collect, gql, gqlData, wsClient } from '../support/graphql-client.js';
import { closeCode, JOB_EVENTS, submitChain, within } from '../jobs/live/subscriptions-harness.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Runs the CLI as `npm run cli` does, without blocking this process (the app serves meanwhile). */
function cli(args: string[], uri: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return within(
    new Promise((done) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { env: { PATH: process.env.PATH ?? '', MONGODB_URI: uri } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => done({ status, stdout, stderr }));
    }),
    30_000,
    `cli ${args[0]}`,
  );
}

describe('API keys', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ role: 'api', env: { API_KEY_RECHECK_INTERVAL: '200ms' } });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  }, 30_000);

  it('lists a tenant\'s keys and revokes one by key: HTTP refuses it at once, its open subscription is closed', async () => {
    const { key } = await createApiKey(app.services.tenants, 'keys-tenant');
    const jobId = await submitChain(app.url, key, ['stays queued']);
    const client = wsClient(app.url, key);
    try {
      const events = collect(client, JOB_EVENTS, { jobId }, 'jobEvents');
      await events.until((items) => items.length >= 1, 15_000);

      const listed = await cli(['list-api-keys', '--tenant', 'keys-tenant'], app.db.uri);
      expect(listed.status).toBe(0);
      const rows = listed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ prefix: key.slice(0, 10), revokedAt: null, expiresAt: null });
      expect(typeof rows[0].createdAt).toBe('string');
      expect(rows[0]).toHaveProperty('lastUsedAt');
      expect(JSON.stringify(rows[0])).not.toContain(key);

      const revoked = await cli(['revoke-api-key', '--key', key], app.db.uri);
      expect(revoked.status).toBe(0);
      const refused = await gql(app.url, key, '{ viewer { id } }');
      expect(refused.status).toBe(401);
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(refused.errors?.[0]?.message).toContain('revoked');

      await within(events.done, 15_000, 'the subscription to end');
      expect(events.errors.map(closeCode)).toContain(4403);
      const after = await cli(['list-api-keys', '--tenant', 'keys-tenant'], app.db.uri);
      expect(JSON.parse(after.stdout.trim()).revokedAt).not.toBeNull();
    } finally {
      await client.dispose();
    }
  }, 60_000);

  it('revokes by listed id, and refuses an unknown one', async () => {
    const { key } = await createApiKey(app.services.tenants, 'ids-tenant');
    await gqlData(app.url, key, '{ viewer { id } }');
    const listed = await cli(['list-api-keys', '--tenant', 'ids-tenant'], app.db.uri);
    const row = JSON.parse(listed.stdout.trim());
    const bad = await cli(['revoke-api-key', '--id', 'f'.repeat(64)], app.db.uri);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('no such API key');
    const ok = await cli(['revoke-api-key', '--id', row.id], app.db.uri);
    expect(ok.status).toBe(0);
    expect((await gql(app.url, key, '{ viewer { id } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 60_000);

  it('creates keys with an expiry and refuses them once expired', async () => {
    const created = await cli(['create-api-key', '--tenant', 'expiring', '--expires-in', '30d'], app.db.uri);
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    await gqlData(app.url, key, '{ viewer { id } }');
    const rows = (await cli(['list-api-keys', '--tenant', 'expiring'], app.db.uri)).stdout.trim();
    expect(Date.parse(JSON.parse(rows).expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const { key: expired } = await createApiKey(app.services.tenants, 'expiring', new Date(Date.now() - 1000));
    const res = await gql(app.url, expired, '{ viewer { id } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toContain('expired');
    const badFlag = await cli(['create-api-key', '--tenant', 'expiring', '--expires-in', 'soon'], app.db.uri);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toContain('--expires-in');
  }, 60_000);
});

describe('rate limits', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { API_RATE_LIMIT: '6', SUBMIT_RATE_LIMIT: '2', MAX_CONNECTIONS_PER_TENANT: '2' };
    a = await startTestApp({ role: 'api', env });
    b = await startTestApp({ role: 'api', env, db: a.db });
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  }, 30_000);

  it('answers 429 with Retry-After once a tenant\'s requests over both API processes pass API_RATE_LIMIT, other tenants unaffected', async () => {
    const { key } = await createApiKey(a.services.tenants, 'busy');
    const { key: calm } = await createApiKey(a.services.tenants, 'calm');
    // Six requests are allowed per minute, whichever process takes them. The window may
    // turn over in the middle: then a seventh or later request is the first refused.
    let refused: Awaited<ReturnType<typeof gql>> | undefined;
    for (let i = 0; i < 14 && !refused; i++) {
      const res = await gql(i % 2 === 0 ? a.url : b.url, key, '{ viewer { id } }');
      if (res.status === 429) refused = res;
      else expect(res.errors).toBeUndefined();
    }
    expect(refused).toBeDefined();
    expect(refused!.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = refused!.errors?.[0]?.extensions?.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused!.errors?.[0]?.message).toContain('API_RATE_LIMIT=6');
    const raw = await fetch(b.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{"query":"{ viewer { id } }"}' });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await gql(a.url, calm, '{ viewer { id } }')).status).toBe(200);
  }, 60_000);

  it('limits submissions per minute with RATE_LIMITED and retryAfter', async () => {
    const { key } = await createApiKey(a.services.tenants, 'submitter');
    const codes: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await gql(a.url, key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', { input: { kind: 'chain', input: { steps: [{ name: 's', prompt: `p${i}` }] } } });
      codes.push(res.errors?.[0]?.extensions?.code ?? 'OK');
      if (res.errors) expect(res.errors[0]!.extensions?.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(codes).toContain('RATE_LIMITED');
    expect(codes.filter((c) => c === 'OK').length).toBeLessThanOrEqual(4);
  }, 60_000);

  it('caps open WebSocket connections per tenant across processes (MAX_CONNECTIONS_PER_TENANT)', async () => {
    const { key } = await createApiKey(a.services.tenants, 'sockets');
    const clients = [wsClient(a.url, key), wsClient(b.url, key), wsClient(b.url, key)];
    try {
      const jobId = await submitChain(a.url, (await createApiKey(a.services.tenants, 'sockets')).key, ['x']);
      // One after another: two connections racing for the last place may both get it.
      const first = collect(clients[0]!, JOB_EVENTS, { jobId }, 'jobEvents');
      await first.until((items) => items.length >= 1, 15_000);
      const second = collect(clients[1]!, JOB_EVENTS, { jobId }, 'jobEvents');
      await second.until((items) => items.length >= 1, 15_000);
      const third = collect(clients[2]!, JOB_EVENTS, { jobId }, 'jobEvents');
      await within(third.done, 15_000, 'the third connection to be refused');
      expect(third.items).toEqual([]);
      expect(third.errors.map(closeCode)).toContain(4429);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  }, 60_000);
});
