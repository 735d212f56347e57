/**
 * Query cost limits, Job.events paging, the response size cap and introspection, against
 * a real API process (in this test process) on FerretDB.
 */
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../support/app.js';
import { collect, gql, gqlData, wsClient } from '../support/graphql-client.js';
import { submitChain, within } from '../jobs/live/subscriptions-harness.js';

let app: TestApp;
let otherKey: string;
let jobId: string;

beforeAll(async () => {
  // ROLE=api: submitted jobs stay queued, so each has exactly its one QUEUED event.
  app = await startTestApp({ role: 'api', env: { MAX_RESPONSE_BYTES: '20000' } });
  otherKey = await app.newTenantKey('other-tenant');
  jobId = await submitChain(app.url, app.key, ['hello']);
}, 60_000);

afterAll(async () => {
  await app?.stop();
}, 30_000);

const limitOf = (res: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => res.errors?.[0]?.extensions?.limit as { name: string; value: number } | undefined;

describe('query cost limits', () => {
  it('refuses the three-level Job.events ↔ JobEvent.job cycle before running it, while another tenant is served', async () => {
    const cycle = `query($id: ID!) { job(id: $id) { events { job { events { job { events { job { id } } } } } } } }`;
    const res = await gql(app.url, app.key, cycle, { id: jobId });
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(limitOf(res)).toEqual({ name: 'GRAPHQL_MAX_COST', value: 10_000 });
    expect(res.errors?.[0]?.message).toContain('GRAPHQL_MAX_COST=10000');
    const other = await gqlData(app.url, otherKey, '{ jobs(first: 5) { edges { node { id } } } }');
    expect(other.jobs.edges).toEqual([]);
  });

  it('counts list fields by their page size: Batch.jobs ↔ Job.batch nested lists are refused', async () => {
    const res = await gql(app.url, app.key, '{ batches(first: 100) { edges { node { jobs(first: 100) { edges { node { batch { jobs(first: 100) { edges { node { id } } } } } } } } } } }');
    expect(limitOf(res)?.name).toBe('GRAPHQL_MAX_COST');
  });

  it('charges for work that grows with data: events per job (even with scalar fields only) and the jobs a batch reads', async () => {
    const events = await gql(app.url, app.key, '{ jobs(first: 100) { edges { node { id events(limit: 1000) { sequence } } } } }');
    expect(events.data).toBeUndefined();
    expect(events.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(limitOf(events)).toEqual({ name: 'GRAPHQL_MAX_COST', value: 10_000 });
    expect(events.errors?.[0]?.message).toMatch(/^the query's estimated cost \d+ is over the limit GRAPHQL_MAX_COST=10000: ask for smaller pages \(first, limit\) or fewer nested lists$/);
    // A page of events of one job, and events of a page of jobs, are fine.
    expect((await gql(app.url, app.key, 'query($id: ID!) { job(id: $id) { events(limit: 1000) { sequence } } }', { id: jobId })).errors).toBeUndefined();
    expect((await gql(app.url, app.key, '{ jobs(first: 5) { edges { node { events(limit: 1000) { sequence } } } } }')).errors).toBeUndefined();
    // Every unsettled batch reads its jobs' statuses for its counts, and sums their usage.
    const batches = await gql(app.url, app.key, '{ batches(first: 100) { edges { node { queued usage { calls } } } } }');
    expect(limitOf(batches)?.name).toBe('GRAPHQL_MAX_COST');
    expect((await gql(app.url, app.key, '{ batches(first: 20) { edges { node { queued usage { calls } } } } }')).errors).toBeUndefined();
  });

  it('refuses too many aliases, naming the limit', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    const res = await gql(app.url, app.key, `{ ${aliases} }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(limitOf(res)).toEqual({ name: 'GRAPHQL_MAX_ALIASES', value: 30 });
    expect(res.errors?.[0]?.message).toContain('GRAPHQL_MAX_ALIASES=30');
  });

  it('refuses a query deeper than the limit, naming it', async () => {
    const deep = `{ job(id: "x") { ${'batch { jobs(first: 1) { edges { node { '.repeat(3)} id ${'} } } } '.repeat(3)} } }`;
    const res = await gql(app.url, app.key, deep);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(limitOf(res)).toEqual({ name: 'GRAPHQL_MAX_DEPTH', value: 12 });
  });

  it('refuses a document with too many tokens, naming the limit', async () => {
    const res = await gql(app.url, app.key, `{ viewer { ${'id '.repeat(6000)} } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(limitOf(res)).toEqual({ name: 'GRAPHQL_MAX_TOKENS', value: 5000 });
  });

  it('applies the same limits to operations over WebSocket', async () => {
    const client = wsClient(app.url, app.key);
    try {
      const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: viewer { id }`).join(' ');
      const got = collect(client, `query { ${aliases} }`, {}, 'a0');
      await within(got.done, 10_000, 'the refusal');
      const err = (got.errors.flat() as Array<{ extensions?: Record<string, unknown> }>)[0];
      expect(err?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(err?.extensions?.limit).toEqual({ name: 'GRAPHQL_MAX_ALIASES', value: 30 });
      expect(got.items).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it('lets the documented queries through', async () => {
    const data = await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { status progress { percent message } steps { name status } result usage { totalTokens costUsd } events { sequence type step { name } } } viewer { id name usage { calls totalTokens costUsd } } jobs(first: 20) { edges { node { id status kind } } pageInfo { hasNextPage endCursor } } }`, { id: jobId });
    expect(data.job.status).toBe('QUEUED');
  });
});

describe('Job.events paging', () => {
  it('keeps events(afterSequence) working and adds limit, refusing one out of range', async () => {
    const all = await gqlData(app.url, app.key, 'query($id: ID!) { job(id: $id) { events(afterSequence: 0) { sequence } } }', { id: jobId });
    expect(all.job.events.map((e: { sequence: number }) => e.sequence)).toEqual([1]);
    const none = await gqlData(app.url, app.key, 'query($id: ID!) { job(id: $id) { events(afterSequence: 1, limit: 10) { sequence } } }', { id: jobId });
    expect(none.job.events).toEqual([]);
    const bad = await gql(app.url, app.key, 'query($id: ID!) { job(id: $id) { events(limit: 1001) { sequence } } }', { id: jobId });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions?.path).toEqual(['limit']);
  });
});

describe('response size', () => {
  it('refuses a response over MAX_RESPONSE_BYTES, while one large job stays readable on its own', async () => {
    const big = 'x'.repeat(8000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submitChain(app.url, app.key, [`${big}${i}`]));
    const one = await gqlData(app.url, app.key, 'query($id: ID!) { job(id: $id) { input } }', { id: ids[0] });
    expect(JSON.stringify(one.job.input)).toContain(big);
    const res = await gql(app.url, app.key, '{ a: jobs(first: 10) { edges { node { input } } } b: jobs(first: 10) { edges { node { input } } } }');
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(limitOf(res)).toEqual({ name: 'MAX_RESPONSE_BYTES', value: 20000 });
  });
});

describe('introspection', () => {
  it('is off by default outside development', async () => {
    const res = await gql(app.url, app.key, '{ __schema { queryType { name } } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('follows GRAPHQL_INTROSPECTION, and is on in development', async () => {
    for (const env of [{ GRAPHQL_INTROSPECTION: 'true' }, { NODE_ENV: 'development' }] as Array<Record<string, string>>) {
      const on = await startTestApp({ role: 'api', env });
      try {
        const data = await gqlData(on.url, on.key, '{ __schema { queryType { name } } }');
        expect(data.__schema.queryType.name).toBe('Query');
      } finally {
        await on.stop();
      }
    }
  }, 60_000);
});

describe('WebSocket maxPayload', () => {
  it('closes the socket on a 20 MiB message without executing it', async () => {
    const socket = new WebSocket(app.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await within(new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); }), 10_000, 'open');
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${app.key}` } }));
    await within(new Promise((resolve) => socket.once('message', resolve)), 10_000, 'connection_ack');
    const prompt = 'p'.repeat(20 * 1024 * 1024);
    const query = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }';
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { input: { kind: 'chain', input: { steps: [{ name: 'big', prompt }] } } } } }));
    expect(await within(closed, 20_000, 'the close')).toBe(1009);
    const count = await app.services.db.collection('jobs').countDocuments({ 'input.steps.name': 'big' });
    expect(count).toBe(0);
  }, 60_000);
});
