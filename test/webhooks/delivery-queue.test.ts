/**
 * The dispatcher's queue holds live work only: a delivery is queued while it is owed an
 * attempt and leaves the queue when it settles for good, however it settles; the history
 * (delivery record and attempt rows) stays.
 */
import { eventually, insertFinishedJob, newTenantId, receiverPerTest, settled } from './webhook-harness.js';

const t = receiverPerTest();

async function setUp(env: Record<string, string> = {}) {
  const h = await t.harness(env);
  const tenantId = newTenantId();
  const { endpoint } = await h.webhooks.endpoints.create(tenantId, { url: `${t.receiver.url}/hooks` });
  return { h, tenantId, endpoint };
}

it('queues a recorded delivery, keeps it queued between attempts, and unqueues it once delivered', async () => {
  const { h, tenantId } = await setUp();
  t.receiver.script([{ status: 500 }]);
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  const queue = h.webhooks.repositories.queue;
  expect(await queue.findById(delivery!._id)).toEqual({ _id: delivery!._id, endpointId: delivery!.endpointId, tenantId, dueAt: delivery!.nextAttemptAt });

  h.start({ owner: 'only' });
  // After the failed first attempt: still queued, due when the record says.
  // (The record is settled first, then its entry rescheduled: wait for both.)
  const { between, entry } = await eventually(async () => {
    const d = await h.webhooks.repositories.deliveries.findById(delivery!._id);
    const e = await queue.findById(delivery!._id);
    return d?.attemptCount === 1 && e !== null && e.dueAt.getTime() === d.nextAttemptAt?.getTime() ? { between: d, entry: e } : undefined;
  }, 'attempt 1 settled and the next one queued');
  expect(between.status).toBe('PENDING');
  expect(entry.dueAt).toEqual(between.nextAttemptAt);

  expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2 });
  await eventually(async () => (await queue.findById(delivery!._id)) === null, 'the queue entry to go');
  expect(await h.webhooks.deliveries.attempts(delivery!._id)).toHaveLength(2);
  expect(await queue.collection.countDocuments({})).toBe(0);
});

it('unqueues every pending delivery of a deleted endpoint and fails them', async () => {
  const { h, tenantId, endpoint } = await setUp();
  const jobs = [await insertFinishedJob(h.testDb, tenantId), await insertFinishedJob(h.testDb, tenantId)];
  for (const job of jobs) await h.webhooks.outbox.jobFinished(job);
  expect(await h.webhooks.repositories.queue.collection.countDocuments({ endpointId: endpoint._id })).toBe(2);

  await h.webhooks.endpoints.delete(tenantId, endpoint._id);

  expect(await h.webhooks.repositories.queue.collection.countDocuments({ endpointId: endpoint._id })).toBe(0);
  for (const job of jobs) {
    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(delivery).toMatchObject({ status: 'FAILED', failureReason: 'endpoint deleted', nextAttemptAt: null });
  }
});

it('a queue entry left behind by a delivery that already settled is dropped without an attempt', async () => {
  const { h, tenantId } = await setUp();
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  // What a crash between settling the record and deleting its entry leaves.
  await h.webhooks.repositories.deliveries.settle(delivery!._id, 1, { status: 'SUCCEEDED', deliveredAt: new Date(), nextAttemptAt: null });

  h.start();
  await eventually(async () => (await h.webhooks.repositories.queue.findById(delivery!._id)) === null, 'the stale entry to go');
  expect(t.receiver.requests).toHaveLength(0);
});

it('an entry due before its record says (a crash between settling and rescheduling) is realigned, not sent early', async () => {
  const { h, tenantId } = await setUp();
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  // Attempt 1 failed and was settled with its retry in an hour; the entry still says now.
  const inAnHour = new Date(Date.now() + 3_600_000);
  await h.webhooks.repositories.deliveries.settle(delivery!._id, 1, { status: 'PENDING', nextAttemptAt: inAnHour });

  h.start();
  const entry = await eventually(async () => {
    const e = await h.webhooks.repositories.queue.findById(delivery!._id);
    return e?.dueAt.getTime() === inAnHour.getTime() ? e : undefined;
  }, 'the entry to follow its record');
  expect(entry).toMatchObject({ endpointId: delivery!.endpointId, tenantId });
  expect(t.receiver.requests).toHaveLength(0);
  expect(await h.webhooks.deliveries.attempts(delivery!._id)).toEqual([]);
});

it('redelivering a finished delivery queues it again', async () => {
  const { h, tenantId } = await setUp();
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  h.start();
  const done = await settled(h.webhooks, delivery!._id);
  await eventually(async () => (await h.webhooks.repositories.queue.findById(delivery!._id)) === null, 'the entry to go');

  await h.webhooks.outbox.redeliver(done);
  expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2 });
  expect(t.receiver.requests).toHaveLength(2);
});

it('a dispatcher queues, when it starts, pending deliveries stored without a queue entry', async () => {
  const { h, tenantId } = await setUp();
  const job = await insertFinishedJob(h.testDb, tenantId);
  await h.webhooks.outbox.jobFinished(job);
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  // As a version without the queue left it: the record alone.
  await h.webhooks.repositories.queue.delete(delivery!._id);

  h.start();
  expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1 });
  expect(t.receiver.requests).toHaveLength(1);
});
