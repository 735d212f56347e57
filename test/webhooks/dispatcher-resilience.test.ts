/**
 * The dispatcher under trouble: a dead endpoint next to a healthy one, a dispatcher
 * stopped between attempts or killed mid-attempt, two or three dispatchers racing on one
 * database (attempts are claimed by unique inserts, not leases), and endpoints that keep failing.
 */
import { attemptId } from '../../src/db/webhooks/attempts.repository.js';
import { eventually, insertFinishedJob, newTenantId, receiversPerTest, settled } from './webhook-harness.js';

const t = receiversPerTest();

it('a dead endpoint (connections hang) does not delay a healthy endpoint', async () => {
  const h = await t.harness({ WEBHOOK_CONCURRENCY: '3', WEBHOOK_ENDPOINT_CONCURRENCY: '1', WEBHOOK_TIMEOUT_MS: '10000' });
  const dead = await t.receiver();
  const healthy = await t.receiver();
  dead.script(Array.from({ length: 10 }, () => ({ hang: true })));
  const tenantId = newTenantId();
  await h.webhooks.endpoints.create(tenantId, { url: dead.url });
  await h.webhooks.endpoints.create(tenantId, { url: healthy.url });
  // The dead endpoint's deliveries are recorded first, so they are due first.
  for (let i = 0; i < 4; i += 1) await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, tenantId));
  const started = Date.now();
  h.start({ stopTimeoutMs: 200 });

  await healthy.waitFor(4, 3_000);
  expect(Date.now() - started).toBeLessThan(3_000);
  // The dead one holds one slot (its bound), however much is waiting for it.
  expect(dead.requests).toHaveLength(1);
});

it('a dispatcher stopped between attempts: a new one finishes the schedule, no attempt number sent twice', async () => {
  const h = await t.harness();
  const r = await t.receiver();
  r.script([{ status: 500 }, { status: 500 }, { status: 200 }]);
  const tenantId = newTenantId();
  await h.webhooks.endpoints.create(tenantId, { url: r.url });
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);

  const first = h.start({ owner: 'first' });
  await eventually(async () => (await h.webhooks.repositories.deliveries.findById(delivery!._id))!.attemptCount === 1, 'attempt 1 settled');
  await first.stop();
  expect(r.requests).toHaveLength(1);

  h.start({ owner: 'second' });
  expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 3 });
  const attempts = await h.webhooks.deliveries.attempts(delivery!._id);
  expect(attempts.map((a) => [a.number, a.owner, a.statusCode])).toEqual([
    [1, 'first', 500],
    [2, 'second', 500],
    [3, 'second', 200],
  ]);
  expect(r.requests).toHaveLength(3);
  expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1);
});

it('a dispatcher killed mid-attempt: the next one records the attempt as interrupted and goes on with the schedule', async () => {
  const h = await t.harness();
  const r = await t.receiver();
  const tenantId = newTenantId();
  await h.webhooks.endpoints.create(tenantId, { url: r.url });
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  // What a dispatcher that died after claiming attempt 1 leaves: the claim without an
  // outcome, and a lease that has run out.
  const longAgo = new Date(Date.now() - 120_000);
  await h.webhooks.repositories.attempts.claim({
    _id: attemptId(delivery!._id, 1), deliveryId: delivery!._id, tenantId, number: 1, at: longAgo, trigger: 'scheduled',
    owner: 'dead', finishedAt: null, ok: null, durationMs: null, statusCode: null, error: null, responseBody: null, retryAfter: null,
  });
  await h.webhooks.repositories.queue.collection.updateOne({ _id: delivery!._id }, { $set: { leaseOwner: 'dead', dueAt: new Date(Date.now() - 1) } });

  h.start({ owner: 'survivor' });
  expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2 });
  const attempts = await h.webhooks.deliveries.attempts(delivery!._id);
  expect(attempts.map((a) => [a.number, a.owner, a.statusCode])).toEqual([
    [1, 'dead', null],
    [2, 'survivor', 200],
  ]);
  expect(attempts[0]!.error).toMatch(/^interrupted/);
  // The schedule went on from the interruption: attempt 2 waited its 1 s (±20%).
  expect(attempts[1]!.at.getTime() - attempts[0]!.finishedAt!.getTime()).toBeGreaterThanOrEqual(790);
  expect(r.requests).toHaveLength(1);
});

it('two dispatchers on one database send each attempt once', async () => {
  const h = await t.harness({ WEBHOOK_ENDPOINT_CONCURRENCY: '8', WEBHOOK_POLL_INTERVAL: '20ms' });
  const r = await t.receiver();
  const tenantId = newTenantId();
  await h.webhooks.endpoints.create(tenantId, { url: r.url });
  const jobs = [];
  for (let i = 0; i < 12; i += 1) jobs.push(await insertFinishedJob(h.testDb, tenantId));
  h.start({ owner: 'one' });
  h.start({ owner: 'two' });
  await Promise.all(jobs.map((j) => h.webhooks.outbox.jobFinished(j)));

  await r.waitFor(12, 5_000);
  await eventually(async () => (await h.webhooks.repositories.deliveries.collection.countDocuments({ tenantId, status: 'SUCCEEDED' })) === 12, 'all delivered');
  const ids = r.requests.map((q) => q.headers['webhook-id']);
  expect(new Set(ids).size).toBe(12);
  expect(ids).toHaveLength(12);
  expect(await h.webhooks.repositories.attempts.collection.countDocuments({ tenantId })).toBe(12);
});

it('three dispatchers racing with retries: every attempt sent once, each delivery settled, nothing left queued', async () => {
  const h = await t.harness({ WEBHOOK_RETRY_SCHEDULE: '0s,100ms,200ms,300ms', WEBHOOK_POLL_INTERVAL: '30ms', WEBHOOK_ENDPOINT_CONCURRENCY: '3' });
  const receivers = [await t.receiver(), await t.receiver(), await t.receiver()];
  // Every third request to each receiver fails, so most deliveries are retried at least once.
  for (const r of receivers) r.script(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? { status: 500 } : {})));
  const tenants = [newTenantId(), newTenantId()];
  for (const [i, r] of receivers.entries()) await h.webhooks.endpoints.create(tenants[i % 2]!, { url: r.url });
  for (const owner of ['one', 'two', 'three']) h.start({ owner });
  const jobs = await Promise.all(Array.from({ length: 30 }, (_, i) => insertFinishedJob(h.testDb, tenants[i % 2]!)));
  await Promise.all(jobs.map((j) => h.webhooks.outbox.jobFinished(j)));

  const deliveries = h.webhooks.repositories.deliveries.collection;
  await eventually(async () => (await deliveries.countDocuments({ status: 'PENDING' })) === 0, 'every delivery to settle', 30_000);
  const settledAll = await deliveries.find({}).toArray();
  expect(settledAll).toHaveLength(45); // 15 jobs per tenant: 2 endpoints for one, 1 for the other
  const attempts = await h.webhooks.repositories.attempts.collection.find({}).toArray();
  for (const d of settledAll) {
    const numbers = attempts.filter((a) => a.deliveryId === d._id).map((a) => a.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: d.attemptCount }, (_, i) => i + 1));
    if (d.status !== 'SUCCEEDED') expect(d).toMatchObject({ status: 'FAILED', attemptCount: 4 });
  }
  expect(attempts.every((a) => a.finishedAt !== null)).toBe(true);
  // One request per attempt row: no attempt number went out twice.
  expect(receivers.reduce((n, r) => n + r.requests.length, 0)).toBe(attempts.length);
  expect(await h.webhooks.repositories.queue.collection.countDocuments({})).toBe(0);
});

it('disables an endpoint that failed every delivery for WEBHOOK_DISABLE_AFTER, and a success in between resets the clock', async () => {
  const h = await t.harness({ WEBHOOK_DISABLE_AFTER: '1s', WEBHOOK_RETRY_SCHEDULE: '0s,1200ms' });
  const failing = await t.receiver();
  const flaky = await t.receiver();
  failing.script([{ status: 500 }, { status: 500 }]);
  flaky.script([{ status: 500 }, { status: 200 }]);
  const tenantId = newTenantId();
  const failingEndpoint = (await h.webhooks.endpoints.create(tenantId, { url: failing.url })).endpoint;
  const flakyEndpoint = (await h.webhooks.endpoints.create(tenantId, { url: flaky.url })).endpoint;
  await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, tenantId));
  h.start();

  const disabled = await eventually(async () => {
    const e = await h.webhooks.repositories.endpoints.findById(failingEndpoint._id);
    return e && !e.enabled ? e : undefined;
  }, 'the failing endpoint to be disabled', 6_000);
  expect(disabled.disabledReason).toMatch(/every delivery failed since .* \(longer than 1s\)/);

  await flaky.waitFor(2, 4_000);
  const healthy = await eventually(async () => {
    const e = await h.webhooks.repositories.endpoints.findById(flakyEndpoint._id);
    return e && e.failingSince === null ? e : undefined;
  }, 'the flaky endpoint to be healthy again');
  expect(healthy.enabled).toBe(true);
});
