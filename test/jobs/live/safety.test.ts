/**
 * The safety side of subscriptions, against real service processes: authentication on
 * connect (4403), tenant isolation (NOT_FOUND, tenantJobEvents), the per-connection
 * subscription limit, and SIGTERM completing open subscriptions with exit code 0.
 */
import type { Client } from 'graphql-ws';
import { createTestDb, type TestDb } from '../../support/db.js';
import { collect, gqlData, wsClient, type Collected } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import {
  BATCH_PROGRESS,
  type BatchItem,
  closeCode,
  errorCodes,
  type Ev,
  JOB_EVENTS,
  newKey,
  range,
  stopAll,
  submitChain,
  TENANT_JOB_EVENTS,
  within,
} from './subscriptions-harness.js';

const WAIT = 30_000;
const LIMIT = 3;

let db: TestDb | undefined;
let drainDb: TestDb | undefined;
/** ROLE=all: runs the jobs it is given (offline provider). */
let app: ServiceProcess | undefined;
/** ROLE=api on its own database: its jobs never run, so its subscriptions stay open. */
let drained: ServiceProcess | undefined;
let keyA: string;
let keyB: string;
let drainKey: string;
const clients: Client[] = [];

function client(url: string, key: string | undefined): Client {
  const c = wsClient(url, key);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  [db, drainDb] = await Promise.all([createTestDb('subs_safety'), createTestDb('subs_drain')]);
  [app, drained] = await Promise.all([
    startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'all', MAX_SUBSCRIPTIONS_PER_CONNECTION: String(LIMIT), JOB_LEASE: '30s' }),
    // Polling all the time, so that SIGTERM usually comes while a poll is in flight (the
    // case in which the HTTP drain used to cut WebSockets off with 1006).
    startServiceProcess({ MONGODB_URI: drainDb.uri, ROLE: 'api', EVENT_POLL_INTERVAL: '2ms' }),
  ]);
  [keyA, keyB, drainKey] = await Promise.all([newKey(db, 'tenant-a'), newKey(db, 'tenant-b'), newKey(drainDb, 'drain')]);
}, 90_000);

afterAll(async () => {
  await stopAll(clients, [app, drained]);
  await Promise.allSettled([db?.close(), drainDb?.close()]);
}, 60_000);

/**
 * A tenantJobEvents subscription has no replay, so nothing tells when the server has
 * registered it: submit small jobs until one of them is seen. Returns their ids.
 */
async function untilLive(sub: Collected<Ev>, submit: () => Promise<string>, deadlineMs = WAIT): Promise<string[]> {
  const deadline = Date.now() + deadlineMs;
  const ids: string[] = [];
  for (;;) {
    const id = await submit();
    ids.push(id);
    try {
      await sub.until((xs) => xs.some((e) => e.jobId === id), 3_000);
      return ids;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

describe('authentication', () => {
  test.each([
    ['no key', undefined],
    ['a wrong key', 'ak_this-key-does-not-exist'],
    ['a malformed authorization', 'Basic dXNlcjpwYXNz'],
  ])('%s: the connection is closed with 4403 and nothing is streamed', async (_what, auth) => {
    const c = wsClient(app!.url, undefined, { connectionParams: auth === undefined ? {} : { authorization: auth.startsWith('ak_') ? `Bearer ${auth}` : auth } });
    clients.push(c);
    const sub = collect<Ev>(c, TENANT_JOB_EVENTS, {}, 'tenantJobEvents');
    await within(sub.done, WAIT, 'refused subscription ends');
    expect(sub.items).toEqual([]);
    expect(sub.errors.map(closeCode)).toEqual([4403]);
  });
});

describe('tenant isolation', () => {
  test("another tenant's job or batch is NOT_FOUND and nothing is streamed", async () => {
    const jobId = await submitChain(app!.url, keyA, ['Hello.']);
    const { analyzeDocuments: batch } = await gqlData(app!.url, keyA, 'mutation { analyzeDocuments(input: { documents: [{ name: "d", text: "Some text." }] }) { id } }');

    // One connection each: together they would pass the per-connection limit.
    const b = () => client(app!.url, keyB);
    const job = collect<Ev>(b(), JOB_EVENTS, { jobId }, 'jobEvents');
    const jobAfter = collect<Ev>(b(), JOB_EVENTS, { jobId, after: 0 }, 'jobEvents');
    const progress = collect<BatchItem>(b(), BATCH_PROGRESS, { batchId: batch.id }, 'batchProgress');
    const missing = collect<Ev>(b(), JOB_EVENTS, { jobId: 'no-such-job' }, 'jobEvents');
    const missingBatch = collect<BatchItem>(b(), BATCH_PROGRESS, { batchId: 'no-such-batch' }, 'batchProgress');
    await within(Promise.all([job.done, jobAfter.done, progress.done, missing.done, missingBatch.done]), WAIT, 'refusals end');
    for (const sub of [job, jobAfter, progress, missing, missingBatch] as Array<Collected<unknown>>) {
      expect(sub.items).toEqual([]);
      expect({ codes: errorCodes(sub.errors), errors: sub.errors }).toMatchObject({ codes: ['NOT_FOUND'] });
    }
    // A foreign resource looks exactly like a missing one.
    expect((job.errors[0] as { message: string }).message.replace(jobId, 'X')).toBe(
      (missing.errors[0] as { message: string }).message.replace('no-such-job', 'X'),
    );

    // The owner is served.
    const own = collect<Ev>(client(app!.url, keyA), JOB_EVENTS, { jobId }, 'jobEvents');
    await within(own.done, WAIT, "owner's subscription completes");
    expect(own.errors).toEqual([]);
    expect(own.items.at(-1)!.type).toBe('SUCCEEDED');
  });

  test("tenantJobEvents delivers the caller's tenant's events only", async () => {
    const onA = collect<Ev>(client(app!.url, keyA), TENANT_JOB_EVENTS, {}, 'tenantJobEvents');
    const onB = collect<Ev>(client(app!.url, keyB), TENANT_JOB_EVENTS, {}, 'tenantJobEvents');
    const jobsOfA = await untilLive(onA, () => submitChain(app!.url, keyA, ['probe a']));
    const jobsOfB = await untilLive(onB, () => submitChain(app!.url, keyB, ['probe b']));

    // Both live: each tenant submits two jobs; each stream gets all of its own.
    const realA = await Promise.all([submitChain(app!.url, keyA, ['a1']), submitChain(app!.url, keyA, ['a2', 'a3'])]);
    const realB = await Promise.all([submitChain(app!.url, keyB, ['b1']), submitChain(app!.url, keyB, ['b2', 'b3'])]);
    jobsOfA.push(...realA);
    jobsOfB.push(...realB);
    const finished = (ids: string[]) => (xs: Ev[]) => ids.every((id) => xs.some((e) => e.jobId === id && e.type === 'SUCCEEDED'));
    await onA.until(finished(realA), WAIT);
    await onB.until(finished(realB), WAIT);

    expect(onA.errors).toEqual([]);
    expect(onB.errors).toEqual([]);
    // Every job seen is the caller's own (earlier tests' jobs of tenant A may still be
    // running): the owner can read it, the other tenant cannot.
    for (const [sub, own, other] of [[onA, keyA, keyB], [onB, keyB, keyA]] as const) {
      for (const id of new Set(sub.items.map((e) => e.jobId))) {
        expect((await gqlData(app!.url, own, 'query($id: ID!) { job(id: $id) { id } }', { id })).job).toEqual({ id });
        expect((await gqlData(app!.url, other, 'query($id: ID!) { job(id: $id) { id } }', { id })).job).toBeNull();
      }
    }
    expect(onA.items.filter((e) => jobsOfB.includes(e.jobId))).toEqual([]);
    expect(onB.items.filter((e) => jobsOfA.includes(e.jobId))).toEqual([]);
    // Subscribed before they were submitted: every event of each real job, in order.
    for (const [sub, ids] of [[onA, realA], [onB, realB]] as const) {
      for (const id of ids) {
        const seq = sub.items.filter((e) => e.jobId === id).map((e) => e.sequence);
        expect(seq).toEqual(range(1, seq.length));
      }
    }
  });
});

describe('errors carry contract codes', () => {
  test('an invalid subscription is BAD_USER_INPUT', async () => {
    const sub = collect<Ev>(client(app!.url, keyA), 'subscription { tenantJobEvents { nope } }', {}, 'tenantJobEvents');
    await within(sub.done, WAIT, 'invalid subscription ends');
    expect(errorCodes(sub.errors)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('limits and shutdown', () => {
  test(`at most MAX_SUBSCRIPTIONS_PER_CONNECTION (${LIMIT}) subscriptions on one connection`, async () => {
    const c = client(app!.url, keyA);
    const open = range(1, LIMIT).map(() => collect<Ev>(c, TENANT_JOB_EVENTS, {}, 'tenantJobEvents'));
    const extra = collect<Ev>(c, TENANT_JOB_EVENTS, {}, 'tenantJobEvents');
    await within(extra.done, WAIT, 'the extra subscription is refused');
    expect(errorCodes(extra.errors)).toEqual(['RATE_LIMITED']);
    expect(extra.items).toEqual([]);

    // The others are open and live; closing one makes room for another.
    open[0]!.unsubscribe();
    const replacement = collect<Ev>(c, TENANT_JOB_EVENTS, {}, 'tenantJobEvents');
    const probes = await untilLive(replacement, () => submitChain(app!.url, keyA, ['limit probe']));
    const last = probes.at(-1)!;
    for (const sub of [open[1]!, open[2]!]) {
      await sub.until((xs) => xs.some((e) => e.jobId === last), WAIT);
      expect(sub.errors).toEqual([]);
    }
    expect(replacement.errors).toEqual([]);
  });

  test('SIGTERM completes open subscriptions cleanly and the API process exits 0', async () => {
    const url = drained!.url;
    const jobId = await submitChain(url, drainKey, ['never runs']);
    const { analyzeDocuments: batch } = await gqlData(url, drainKey, 'mutation { analyzeDocuments(input: { documents: [{ name: "d", text: "Never runs." }] }) { id } }');
    const c = client(url, drainKey);
    const events = collect<Ev>(c, JOB_EVENTS, { jobId }, 'jobEvents');
    const progress = collect<BatchItem>(c, BATCH_PROGRESS, { batchId: batch.id }, 'batchProgress');
    const tenant = collect<Ev>(client(url, drainKey), TENANT_JOB_EVENTS, {}, 'tenantJobEvents');
    await events.until((xs) => xs.length === 1, WAIT); // QUEUED, then nothing: no worker
    await progress.until((xs) => xs.length === 1, WAIT);
    await untilLive(tenant, () => submitChain(url, drainKey, ['probe']));

    const exit = await within(drained!.stop('SIGTERM', 20_000), 25_000, 'API process exits');
    expect(exit).toEqual({ code: 0, signal: null });
    await within(Promise.all([events.done, progress.done, tenant.done]), 10_000, 'subscriptions end');
    const outcome = (sub: Collected<unknown>) =>
      sub.errors.length === 0 ? 'complete' : sub.errors.map((e) => closeCode(e) ?? JSON.stringify(e)).join(',');
    // Completed by the server, or the socket closed with 1001 Going Away: never a hang or
    // an abnormal close (1006).
    for (const sub of [progress, tenant] as Array<Collected<unknown>>) expect(['complete', '1001']).toContain(outcome(sub));
    // The job has not finished, so its stream must not look finished: 1001 tells the
    // client to resubscribe (with afterSequence) elsewhere.
    expect(outcome(events)).toBe('1001');
    expect(events.items.map((e) => e.type)).toEqual(['QUEUED']);
  });
});
