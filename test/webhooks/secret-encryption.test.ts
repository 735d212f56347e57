/**
 * WEBHOOK_SECRET_KEY end to end: endpoint secrets are stored encrypted (read straight
 * from the collection), yet a real receiver verifies every delivery with the secret shown
 * at creation or rotation; a plaintext secret from before the key was set keeps working
 * and is sealed at the next rotation; and a dispatcher with the wrong key sends nothing,
 * logs no secret material, and leaves the delivery for one with the right key.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../src/log/logger.js';
import { createWebhooks } from '../../src/webhooks/index.js';
import { eventually, headersOf, insertFinishedJob, newTenantId, receiverPerTest, settled, testConfig, type Harness } from './webhook-harness.js';

const KEY = randomBytes(32).toString('base64');
const SEALED = /^enc:v1:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/;

const t = receiverPerTest();
/** The part of a `whsec_` secret that is the key: what must not appear in storage. */
const keyPart = (secret: string): string => secret.slice('whsec_'.length);

async function rawEndpoint(h: Harness, id: string) {
  const doc = await h.testDb.db.collection('webhook_endpoints').findOne({ _id: id as never });
  expect(doc).not.toBeNull();
  return doc!;
}

describe('with WEBHOOK_SECRET_KEY set', () => {
  it('stores the secret encrypted, and the receiver verifies the delivery with the secret returned at creation', async () => {
    const h = await t.harness({ WEBHOOK_SECRET_KEY: KEY });
    const tenantId = newTenantId();
    const created = await h.webhooks.endpoints.create(tenantId, { url: `${t.receiver.url}/hooks` });
    expect(created.secret).toMatch(/^whsec_/);

    const doc = await rawEndpoint(h, created.endpoint._id);
    expect(doc.secret).toMatch(SEALED);
    expect(doc.previousSecret).toBeNull();
    const stored = JSON.stringify(doc);
    expect(stored).not.toContain(keyPart(created.secret));
    expect(stored).not.toContain(KEY);

    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    h.start();
    const [request] = await t.receiver.waitFor(1);
    expect(new Webhook(created.secret).verify(request!.body, headersOf(request!))).toMatchObject({ type: 'job.succeeded', data: { job: { id: job._id } } });
    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
    expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1 });
  });

  it('during a rotation stores both secrets encrypted and signs with both, each verifying', async () => {
    const h = await t.harness({ WEBHOOK_SECRET_KEY: KEY, WEBHOOK_SECRET_GRACE: '1h' });
    const tenantId = newTenantId();
    const created = await h.webhooks.endpoints.create(tenantId, { url: t.receiver.url });
    const sealedBefore = (await rawEndpoint(h, created.endpoint._id)).secret as string;
    const rotated = await h.webhooks.endpoints.rotateSecret(tenantId, created.endpoint._id);
    expect(rotated.secret).not.toBe(created.secret);

    const doc = await rawEndpoint(h, created.endpoint._id);
    expect(doc.secret).toMatch(SEALED);
    expect(doc.previousSecret).toMatch(SEALED);
    expect(doc.previousSecret).not.toBe(sealedBefore); // re-sealed with a fresh IV
    const stored = JSON.stringify(doc);
    expect(stored).not.toContain(keyPart(created.secret));
    expect(stored).not.toContain(keyPart(rotated.secret));

    h.start();
    await h.webhooks.outbox.sendTest(rotated.endpoint);
    const [request] = await t.receiver.waitFor(1);
    expect(headersOf(request!)['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [created.secret, rotated.secret]) {
      expect(new Webhook(secret).verify(request!.body, headersOf(request!))).toMatchObject({ type: 'webhook.test' });
    }
  });

  it('keeps signing with a secret stored in the clear before the key was set, and seals it at the next rotation', async () => {
    const h = await t.harness({ WEBHOOK_SECRET_KEY: KEY, WEBHOOK_SECRET_GRACE: '1h' });
    const tenantId = newTenantId();
    // An endpoint as a deployment without the key left it: the secret in the clear.
    const legacy = 'whsec_' + randomBytes(32).toString('base64');
    const created = await h.webhooks.endpoints.create(tenantId, { url: t.receiver.url });
    await h.testDb.db.collection('webhook_endpoints').updateOne({ _id: created.endpoint._id as never }, { $set: { secret: legacy } });
    h.start();

    const endpoint = await h.webhooks.endpoints.get(tenantId, created.endpoint._id);
    await h.webhooks.outbox.sendTest(endpoint);
    const [first] = await t.receiver.waitFor(1);
    expect(() => new Webhook(legacy).verify(first!.body, headersOf(first!))).not.toThrow();

    const rotated = await h.webhooks.endpoints.rotateSecret(tenantId, created.endpoint._id);
    const doc = await rawEndpoint(h, created.endpoint._id);
    expect(doc.secret).toMatch(SEALED);
    expect(doc.previousSecret).toMatch(SEALED);
    expect(JSON.stringify(doc)).not.toContain(keyPart(legacy));

    await h.webhooks.outbox.sendTest(rotated.endpoint);
    const [, second] = await t.receiver.waitFor(2);
    for (const secret of [legacy, rotated.secret]) {
      expect(() => new Webhook(secret).verify(second!.body, headersOf(second!))).not.toThrow();
    }
  });

  it('a dispatcher with the wrong key sends nothing, logs no secret material, and leaves the delivery to one with the right key', async () => {
    const h = await t.harness({ WEBHOOK_SECRET_KEY: KEY });
    const tenantId = newTenantId();
    const created = await h.webhooks.endpoints.create(tenantId, { url: t.receiver.url });
    const job = await insertFinishedJob(h.testDb, tenantId);
    await h.webhooks.outbox.jobFinished(job);
    const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);

    const wrongKey = randomBytes(32).toString('base64');
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const misconfigured = await createWebhooks({
      db: h.testDb.db,
      config: testConfig({ WEBHOOK_SECRET_KEY: wrongKey }),
      logger: createLogger('error', logs),
    });
    const wrong = misconfigured.createDispatcher();
    wrong.start();
    try {
      await eventually(async () => logged.includes('could not be decrypted'), 'the wrong key to be reported');
    } finally {
      await wrong.stop();
    }
    expect(logged).toMatch(/wrong WEBHOOK_SECRET_KEY, or the stored value was altered/);
    const sealed = (await rawEndpoint(h, created.endpoint._id)).secret as string;
    for (const material of [created.secret, keyPart(created.secret), sealed.slice('enc:v1:'.length), KEY, wrongKey]) {
      expect(logged).not.toContain(material);
    }
    expect(t.receiver.requests).toHaveLength(0);
    expect(await h.webhooks.deliveries.attempts(delivery!._id)).toEqual([]);
    expect(await h.webhooks.repositories.deliveries.findById(delivery!._id)).toMatchObject({ status: 'PENDING', attemptCount: 0 });

    h.start();
    const [request] = await t.receiver.waitFor(1, 8_000);
    expect(() => new Webhook(created.secret).verify(request!.body, headersOf(request!))).not.toThrow();
    expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1 });
  });
});
