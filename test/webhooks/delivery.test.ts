/**
 * Outbox → dispatcher → a real receiver on 127.0.0.1, against the real test database:
 * the body on the wire, signatures, the retry schedule and what each kind of answer does.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { BatchDoc } from '../../src/db/jobs/docs.js';
import type { ReceivedRequest } from '../support/webhook-receiver.js';
import { eventually, headersOf, insertFinishedJob, newTenantId, receiverPerTest, settled } from './webhook-harness.js';

const t = receiverPerTest();

async function setUp(env: Record<string, string> = {}) {
  const h = await t.harness(env);
  const tenantId = newTenantId();
  const created = await h.webhooks.endpoints.create(tenantId, { url: `${t.receiver.url}/hooks` });
  return { h, tenantId, endpoint: created.endpoint, secret: created.secret };
}
const gap = (a: ReceivedRequest, b: ReceivedRequest): number => b.receivedAt.getTime() - a.receivedAt.getTime();

describe('a finished job, delivered', () => {
  it('sends the contract body, signed so that the standardwebhooks package verifies it, exactly once', async () => {
    const { h, tenantId, secret } = await setUp();
    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    await h.webhooks.outbox.jobFinished(job); // the sweeper repeating the call changes nothing
    h.start();

    const [request] = await t.receiver.waitFor(1);
    const payload = new Webhook(secret).verify(request!.body, headersOf(request!));
    expect(payload).toEqual({
      type: 'job.succeeded',
      timestamp: job.finishedAt!.toISOString(),
      data: {
        job: {
          id: job._id,
          kind: 'chain',
          status: 'SUCCEEDED',
          result: { outputs: { a: 'hello' }, final: 'hello' },
          error: null,
          usage: job.usage,
          batchId: null,
          metadata: { 'order.id': 42, $weird: ['a', ['nested']] },
          createdAt: job.createdAt.toISOString(),
          finishedAt: job.finishedAt!.toISOString(),
        },
      },
    });
    expect(request!.headers['webhook-id']).toMatch(/^msg_[\w-]{27}$/);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);

    const [delivery, ...others] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(others).toHaveLength(0);
    const done = await settled(h.webhooks, delivery!._id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1, messageId: request!.headers['webhook-id'], payload: request!.body });
    const attempts = await h.webhooks.deliveries.attempts(delivery!._id);
    expect(attempts).toEqual([
      expect.objectContaining({ number: 1, ok: true, statusCode: 200, error: null, responseBody: 'ok', trigger: 'scheduled' }),
    ]);
    expect(t.receiver.requests).toHaveLength(1);
  });

  it('retries 500, 500, 200 on the schedule: three attempts, one webhook-id, one body, all logged', async () => {
    const { h, tenantId, secret } = await setUp();
    t.receiver.script([{ status: 500, body: 'down' }, { status: 500, body: 'still down' }, { status: 200 }]);
    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    h.start();

    const requests = await t.receiver.waitFor(3, 8_000);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    for (const r of requests) expect(() => new Webhook(secret).verify(r.body, headersOf(r))).not.toThrow();
    // Schedule 0s,1s,2s with ±20% jitter (and up to a poll interval of lateness).
    expect(gap(requests[0]!, requests[1]!)).toBeGreaterThanOrEqual(790);
    expect(gap(requests[0]!, requests[1]!)).toBeLessThanOrEqual(1_600);
    expect(gap(requests[1]!, requests[2]!)).toBeGreaterThanOrEqual(1_590);
    expect(gap(requests[1]!, requests[2]!)).toBeLessThanOrEqual(2_800);

    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 3 });
    const attempts = await h.webhooks.deliveries.attempts(delivery!._id);
    expect(attempts.map((a) => [a.number, a.statusCode, a.error, a.responseBody])).toEqual([
      [1, 500, 'non-2xx status 500', 'down'],
      [2, 500, 'non-2xx status 500', 'still down'],
      [3, 200, null, 'ok'],
    ]);
    for (const a of attempts) expect(a.durationMs).toEqual(expect.any(Number));
    expect(t.receiver.requests).toHaveLength(3);
  });

  it('fails the delivery when the schedule runs out', async () => {
    const { h, tenantId } = await setUp({ WEBHOOK_RETRY_SCHEDULE: '0s,200ms' });
    t.receiver.script([{ status: 502 }, { status: 502 }]);
    const job = await insertFinishedJob(h.testDb, tenantId, { status: 'FAILED', result: null, error: { code: 'TIMEOUT', message: 'too slow', retryable: true, step: 'a', at: new Date() } });
    await h.webhooks.outbox.jobFinished(job);
    h.start();
    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    const done = await settled(h.webhooks, delivery!._id);
    expect(done).toMatchObject({ status: 'FAILED', attemptCount: 2, nextAttemptAt: null, eventType: 'job.failed' });
    expect(done.failureReason).toMatch(/every scheduled attempt failed/);
    expect(JSON.parse(t.receiver.requests[0]!.body).data.job.error).toMatchObject({ code: 'TIMEOUT', message: 'too slow', step: 'a' });
  });
});

describe('what each answer does', () => {
  it('410 Gone disables the endpoint with a reason and fails its other pending deliveries', async () => {
    const { h, tenantId, endpoint } = await setUp();
    t.receiver.script([{ status: 410, body: 'gone' }]);
    const first = await insertFinishedJob(h.testDb, tenantId);
    const second = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(first);
    await h.webhooks.outbox.jobFinished(second);
    // Keep the second one waiting, so that it is still PENDING when the 410 arrives.
    const [later] = await h.webhooks.deliveries.listForJob(tenantId, second._id);
    const inAnHour = new Date(Date.now() + 3_600_000);
    await h.webhooks.repositories.deliveries.collection.updateOne({ _id: later!._id }, { $set: { nextAttemptAt: inAnHour } });
    await h.webhooks.repositories.queue.collection.updateOne({ _id: later!._id }, { $set: { dueAt: inAnHour } });
    h.start();

    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, first._id);
    expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'FAILED', failureReason: 'the endpoint answered 410 Gone' });
    const disabled = await eventually(async () => {
      const e = await h.webhooks.endpoints.get(tenantId, endpoint._id);
      return e.enabled ? undefined : e;
    }, 'the endpoint to be disabled');
    expect(disabled.disabledReason).toMatch(/410 Gone/);
    // The endpoint is disabled first, then its pending deliveries are failed: wait for both.
    const failedLater = await eventually(async () => {
      const d = await h.webhooks.repositories.deliveries.findById(later!._id);
      return d?.status === 'FAILED' ? d : undefined;
    }, 'the pending delivery to fail');
    expect(failedLater).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/^endpoint disabled: .*410/) });
    expect(t.receiver.requests).toHaveLength(1);

    // Nothing new is recorded for it, a manual send is refused, and re-enabling clears the reason.
    const third = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(third);
    expect(await h.webhooks.deliveries.listForJob(tenantId, third._id)).toEqual([]);
    await expect(h.webhooks.outbox.sendTest(disabled)).rejects.toMatchObject({ code: 'CONFLICT' });
    const enabled = await h.webhooks.endpoints.update(tenantId, endpoint._id, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it('does not follow a 302 and counts it as a failure', async () => {
    const { h, tenantId } = await setUp({ WEBHOOK_RETRY_SCHEDULE: '0s' });
    t.receiver.script([{ status: 302, headers: { location: `${t.receiver.url}/elsewhere` } }]);
    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    h.start();
    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'FAILED' });
    const [attempt] = await h.webhooks.deliveries.attempts(delivery!._id);
    expect(attempt).toMatchObject({ statusCode: 302, error: 'redirect 302 not followed' });
    expect(t.receiver.requests.map((r) => r.path)).toEqual(['/hooks']);
  });

  it('waits at least as long as a 429 Retry-After asks, when that is longer than the schedule', async () => {
    const { h, tenantId } = await setUp({ WEBHOOK_RETRY_SCHEDULE: '0s,300ms,300ms' });
    t.receiver.script([{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, tenantId));
    h.start();
    const requests = await t.receiver.waitFor(2, 6_000);
    expect(gap(requests[0]!, requests[1]!)).toBeGreaterThanOrEqual(1_990);
  });

  it('ignores Retry-After on a status other than 429 and 503', async () => {
    const { h, tenantId } = await setUp({ WEBHOOK_RETRY_SCHEDULE: '0s,300ms' });
    t.receiver.script([{ status: 500, headers: { 'retry-after': '30' } }, { status: 200 }]);
    await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, tenantId));
    h.start();
    const requests = await t.receiver.waitFor(2, 3_000);
    expect(gap(requests[0]!, requests[1]!)).toBeLessThan(1_000);
  });

  it('times out a receiver that never answers at WEBHOOK_TIMEOUT_MS', async () => {
    const { h, tenantId } = await setUp({ WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_RETRY_SCHEDULE: '0s' });
    t.receiver.script([{ hang: true }]);
    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    h.start();
    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(await settled(h.webhooks, delivery!._id, 5_000)).toMatchObject({ status: 'FAILED' });
    const [attempt] = await h.webhooks.deliveries.attempts(delivery!._id);
    expect(attempt).toMatchObject({ statusCode: null, error: 'timeout after 500ms' });
    expect(attempt!.durationMs).toBeGreaterThanOrEqual(480);
    expect(attempt!.durationMs).toBeLessThan(1_500);
  });
});

describe('bodies', () => {
  it('leaves out a result that would make the body larger than WEBHOOK_MAX_PAYLOAD_BYTES', async () => {
    const { h, tenantId, secret } = await setUp({ WEBHOOK_MAX_PAYLOAD_BYTES: '1024' });
    const job = await insertFinishedJob(h.testDb, tenantId, { result: JSON.stringify({ text: 'x'.repeat(5_000) }) });
    await h.webhooks.outbox.jobFinished(job);
    h.start();
    const [request] = await t.receiver.waitFor(1);
    const payload = new Webhook(secret).verify(request!.body, headersOf(request!)) as { data: { job: Record<string, unknown> } };
    expect(payload.data.job).toMatchObject({ id: job._id, resultOmitted: true, status: 'SUCCEEDED' });
    expect(payload.data.job).not.toHaveProperty('result');
    expect(Buffer.byteLength(request!.body)).toBeLessThanOrEqual(1024);
  });

  it('sends batch.completed with the batch counts', async () => {
    const { h, tenantId } = await setUp();
    const batchId = randomUUID();
    await insertFinishedJob(h.testDb, tenantId, { batchId });
    await insertFinishedJob(h.testDb, tenantId, { batchId, status: 'FAILED', result: null });
    const now = new Date();
    const batch: BatchDoc = {
      _id: batchId, tenantId, status: 'COMPLETED', total: 2, jobIds: [], idempotencyKey: null, requestHash: 'x',
      metadata: JSON.stringify({ run: 7 }), instructions: null, createdAt: now, finishedAt: now, reopened: 0,
      counts: { QUEUED: 0, RUNNING: 0, RETRYING: 0, SUCCEEDED: 1, FAILED: 1, CANCELLED: 0 },
    };
    await h.webhooks.outbox.batchFinished(batch);
    await h.webhooks.outbox.batchFinished(batch);
    h.start();
    const [request] = await t.receiver.waitFor(1);
    expect(JSON.parse(request!.body)).toEqual({
      type: 'batch.completed',
      timestamp: now.toISOString(),
      data: {
        batch: {
          id: batchId, status: 'COMPLETED', total: 2, queued: 0, running: 0, succeeded: 1, failed: 1, cancelled: 0,
          metadata: { run: 7 }, createdAt: now.toISOString(), finishedAt: now.toISOString(),
        },
      },
    });
    expect(await h.webhooks.repositories.deliveries.collection.countDocuments({ batchId })).toBe(1);
  });

  it('records a delivery only for enabled endpoints that subscribe to the event, and a new one when a retried job finishes again', async () => {
    const h = await t.harness();
    const tenantId = newTenantId();
    const onlyFailures = await h.webhooks.endpoints.create(tenantId, { url: t.receiver.url, eventTypes: ['job.failed'] });
    const all = await h.webhooks.endpoints.create(tenantId, { url: t.receiver.url });
    const off = await h.webhooks.endpoints.create(tenantId, { url: t.receiver.url });
    await h.webhooks.endpoints.update(tenantId, off.endpoint._id, { enabled: false });

    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    let deliveries = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(deliveries.map((d) => d.endpointId)).toEqual([all.endpoint._id]);

    // retryJob → it fails this time: a new occurrence, with a new message id.
    const again = { ...job, status: 'FAILED' as const, finishedAt: new Date(job.finishedAt!.getTime() + 60_000) };
    await h.webhooks.outbox.jobFinished(again);
    await h.webhooks.outbox.jobFinished(again);
    deliveries = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(deliveries).toHaveLength(3);
    const failed = deliveries.filter((d) => d.eventType === 'job.failed');
    expect(failed.map((d) => d.endpointId).sort()).toEqual([onlyFailures.endpoint._id, all.endpoint._id].sort());
    // One message, fanned out: the same webhook-id at every endpoint.
    expect(new Set(failed.map((d) => d.messageId)).size).toBe(1);
    expect(deliveries.find((d) => d.eventType === 'job.succeeded')!.messageId).not.toBe(failed[0]!.messageId);
  });
});
