/**
 * Endpoints as a tenant manages them: the address guard at registration, input errors
 * that name their path, tenant isolation, deletion, secret rotation and redelivery.
 */
import { promises as dns } from 'node:dns';
import { Webhook } from 'standardwebhooks';
import type { LookupAll } from '../../src/webhooks/address-guard.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { createHarness, eventually, insertFinishedJob, newTenantId, settled, type Harness } from './webhook-harness.js';

let harness: Harness | undefined;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await harness?.close();
  harness = undefined;
});

/** Test host names resolve here, never through real DNS; everything else (localhost) as usual. */
const lookup: LookupAll = async (hostname, options) => {
  if (hostname === 'loopback.example.test') return [{ address: '127.0.0.1', family: 4 }];
  if (hostname === 'sneaky.example.test') return [{ address: '93.184.215.14', family: 4 }, { address: '::1', family: 6 }];
  if (hostname === 'public.example.test') return [{ address: '93.184.215.14', family: 4 }];
  return dns.lookup(hostname, options);
};

describe('registration without WEBHOOK_ALLOW_PRIVATE_URLS', () => {
  // One harness for the block: no dispatcher runs and nothing is ever contacted.
  let guarded: Harness;
  beforeAll(async () => {
    guarded = await createHarness({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }, { lookup });
  });
  afterAll(() => guarded.close());

  const NOT_ALLOWED = /is not allowed|which is not allowed/;
  it.each([
    ['http://127.0.0.1:8080/hooks', NOT_ALLOWED],
    ['http://localhost/hooks', /localhost: address is not public/],
    ['http://[::1]/hooks', NOT_ALLOWED],
    ['http://[::ffff:127.0.0.1]/hooks', NOT_ALLOWED],
    ['http://0.0.0.0/hooks', NOT_ALLOWED],
    ['http://loopback.example.test/hooks', /loopback\.example\.test: address is not public/],
    ['http://sneaky.example.test/hooks', /sneaky\.example\.test: address is not public/],
    ['http://2130706433/hooks', NOT_ALLOWED],
    ['ftp://public.example.test/hooks', /scheme ftp/],
    ['http://user:secret@public.example.test/hooks', /credentials/],
    ['not a url', /not a valid absolute URL/],
  ])('refuses %s as BAD_USER_INPUT on input.url', async (url, reason) => {
    const created = guarded.webhooks.endpoints.create(newTenantId(), { url });
    await expect(created).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'url'], message: expect.stringMatching(reason) });
  });

  it('accepts a public host (resolved, never contacted)', async () => {
    const { endpoint, secret } = await guarded.webhooks.endpoints.create(newTenantId(), { url: 'https://public.example.test/hooks' });
    expect(endpoint).toMatchObject({ url: 'https://public.example.test/hooks', enabled: true, eventTypes: null });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });

  it('checks the URL again when it is changed', async () => {
    const tenantId = newTenantId();
    const { endpoint } = await guarded.webhooks.endpoints.create(tenantId, { url: 'https://public.example.test/a' });
    await expect(guarded.webhooks.endpoints.update(tenantId, endpoint._id, { url: 'http://127.0.0.1/' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      path: ['input', 'url'],
    });
  });
});

describe('endpoint input', () => {
  beforeEach(async () => {
    harness = await createHarness();
  });

  it('names the unknown event type by its index', async () => {
    const created = harness!.webhooks.endpoints.create(newTenantId(), { url: 'http://127.0.0.1:1/', eventTypes: ['job.succeeded', 'job.finished'] });
    await expect(created).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'eventTypes', 1] });
    await expect(harness!.webhooks.endpoints.create(newTenantId(), { url: 'http://127.0.0.1:1/', eventTypes: [] })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      path: ['input', 'eventTypes'],
    });
  });

  it('stores event types without duplicates, and updates only what is given', async () => {
    const tenantId = newTenantId();
    const { endpoint } = await harness!.webhooks.endpoints.create(tenantId, {
      url: 'http://127.0.0.1:1/',
      description: '  billing  ',
      eventTypes: ['job.failed', 'job.failed', 'batch.completed'],
    });
    expect(endpoint).toMatchObject({ description: 'billing', eventTypes: ['job.failed', 'batch.completed'] });
    const updated = await harness!.webhooks.endpoints.update(tenantId, endpoint._id, { description: '', url: null });
    expect(updated).toMatchObject({ description: null, url: 'http://127.0.0.1:1/', eventTypes: ['job.failed', 'batch.completed'] });
  });
});

describe('tenants', () => {
  it("cannot see or touch another tenant's endpoints and deliveries", async () => {
    harness = await createHarness();
    const { webhooks } = harness;
    const a = newTenantId();
    const b = newTenantId();
    const { endpoint } = await webhooks.endpoints.create(a, { url: 'http://127.0.0.1:1/' });
    const job = await insertFinishedJob(harness.testDb, a);
    await webhooks.outbox.jobFinished(job);
    const [delivery] = await webhooks.deliveries.listForJob(a, job._id);
    expect(delivery).toBeDefined();

    expect(await webhooks.endpoints.list(b)).toEqual([]);
    expect(await webhooks.endpoints.find(b, endpoint._id)).toBeNull();
    expect(await webhooks.endpoints.findIncludingDeleted(b, endpoint._id)).toBeNull();
    for (const attempt of [
      webhooks.endpoints.get(b, endpoint._id),
      webhooks.endpoints.update(b, endpoint._id, { description: 'mine now' }),
      webhooks.endpoints.rotateSecret(b, endpoint._id),
      webhooks.endpoints.delete(b, endpoint._id),
      webhooks.deliveries.get(b, delivery!._id),
    ]) {
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await webhooks.deliveries.find(b, delivery!._id)).toBeNull();
    expect(await webhooks.deliveries.listForJob(b, job._id)).toEqual([]);
    expect((await webhooks.deliveries.listForEndpoint(b, endpoint._id, {})).totalCount).toBe(0);
    // Tenant B's job events never reach tenant A's endpoint.
    const theirs = await insertFinishedJob(harness.testDb, b);
    await webhooks.outbox.jobFinished(theirs);
    expect(await webhooks.deliveries.listForJob(a, theirs._id)).toEqual([]);
    expect((await webhooks.endpoints.get(a, endpoint._id)).description).toBeNull();
  });
});

describe('deleting', () => {
  it('fails the pending deliveries and hides the endpoint, which its deliveries still name', async () => {
    harness = await createHarness();
    const { webhooks } = harness;
    const tenantId = newTenantId();
    const { endpoint } = await webhooks.endpoints.create(tenantId, { url: 'http://127.0.0.1:1/' });
    const job = await insertFinishedJob(harness.testDb, tenantId);
    await webhooks.outbox.jobFinished(job);
    expect(await webhooks.endpoints.delete(tenantId, endpoint._id)).toBe(true);

    const [delivery] = await webhooks.deliveries.listForJob(tenantId, job._id);
    expect(delivery).toMatchObject({ status: 'FAILED', failureReason: 'endpoint deleted', nextAttemptAt: null });
    expect(await webhooks.endpoints.list(tenantId)).toEqual([]);
    expect(await webhooks.endpoints.find(tenantId, endpoint._id)).toBeNull();
    expect(await webhooks.endpoints.findIncludingDeleted(tenantId, endpoint._id)).toMatchObject({ _id: endpoint._id });
    await expect(webhooks.endpoints.delete(tenantId, endpoint._id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(webhooks.outbox.redeliver(delivery!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('rotation and redelivery', () => {
  it('signs with the old and the new secret during the overlap, and with the new one only after it', async () => {
    harness = await createHarness({ WEBHOOK_SECRET_GRACE: '1h' });
    receiver = await startWebhookReceiver();
    const { webhooks } = harness;
    const tenantId = newTenantId();
    const created = await webhooks.endpoints.create(tenantId, { url: receiver.url });
    const rotated = await webhooks.endpoints.rotateSecret(tenantId, created.endpoint._id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.oldSecretExpiresAt!.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    harness.start();

    await webhooks.outbox.sendTest(rotated.endpoint);
    const [during] = await receiver.waitFor(1);
    const headers = during!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(created.secret).verify(during!.body, headers)).toMatchObject({ type: 'webhook.test', data: {} });
    expect(new Webhook(rotated.secret).verify(during!.body, headers)).toMatchObject({ type: 'webhook.test', data: {} });

    // The grace period ends: only the new secret signs.
    await webhooks.repositories.endpoints.collection.updateOne({ _id: created.endpoint._id }, { $set: { previousSecretExpiresAt: new Date(Date.now() - 1) } });
    await webhooks.outbox.sendTest(rotated.endpoint);
    const [, after] = await receiver.waitFor(2);
    const afterHeaders = after!.headers as Record<string, string>;
    expect(afterHeaders['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.secret).verify(after!.body, afterHeaders)).not.toThrow();
    expect(() => new Webhook(created.secret).verify(after!.body, afterHeaders)).toThrow();
  });

  it('redelivers the same message with the same webhook-id and body, numbering attempts on', async () => {
    harness = await createHarness({ WEBHOOK_RETRY_SCHEDULE: '0s' });
    receiver = await startWebhookReceiver();
    receiver.script([{ status: 500 }, { status: 200 }]);
    const { webhooks } = harness;
    const tenantId = newTenantId();
    const { endpoint } = await webhooks.endpoints.create(tenantId, { url: receiver.url });
    harness.start();
    const test = await webhooks.outbox.sendTest(endpoint);
    expect(await settled(webhooks, test._id)).toMatchObject({ status: 'FAILED', attemptCount: 1 });

    const again = await webhooks.outbox.redeliver((await webhooks.repositories.deliveries.findById(test._id))!);
    expect(again).toMatchObject({ status: 'PENDING', messageId: test.messageId, failureReason: null });
    expect(await settled(webhooks, test._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2 });
    const [first, second] = await receiver.waitFor(2);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    const attempts = await webhooks.deliveries.attempts(test._id);
    expect(attempts.map((a) => [a.number, a.trigger, a.statusCode])).toEqual([
      [1, 'manual', 500],
      [2, 'manual', 200],
    ]);
    expect(receiver!.requests).toHaveLength(2);
  });
});
