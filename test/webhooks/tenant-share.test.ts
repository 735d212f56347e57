/**
 * The dispatcher shares its slots between tenants: one tenant's receivers that never answer
 * hold at most WEBHOOK_TENANT_CONCURRENCY attempts, so another tenant's delivery goes out at
 * once instead of waiting for their timeouts. Real receivers on 127.0.0.1; the dead ones read
 * each request and never answer.
 */
import { eventually, insertFinishedJob, newTenantId, receiversPerTest, settled } from './webhook-harness.js';

const t = receiversPerTest();

it("eight dead endpoints of one tenant take only its share: another tenant's delivery goes out within 2 s", async () => {
  // The default slots (64 in all, 8 per endpoint): eight dead endpoints could hold all 64.
  // Their attempts time out only after a minute, far past the 2 s asked of the other tenant.
  const h = await t.harness({ WEBHOOK_TIMEOUT_MS: '60000' });
  const share = h.config.webhooks.perTenantConcurrency;
  expect(share).toBeLessThan(h.config.webhooks.concurrency);
  const dead = await t.receiver();
  const healthy = await t.receiver();
  dead.script(Array.from({ length: 100 }, () => ({ hang: true })));

  const noisy = newTenantId();
  for (let i = 0; i < 8; i += 1) await h.webhooks.endpoints.create(noisy, { url: `${dead.url}/endpoint-${i}` });
  // Ten finished jobs: 80 deliveries, ten per dead endpoint (more than its own bound of 8).
  for (let i = 0; i < 10; i += 1) await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, noisy));
  const dispatcher = h.start({ stopTimeoutMs: 200 });
  await dead.waitFor(share, 10_000);

  const quiet = newTenantId();
  await h.webhooks.endpoints.create(quiet, { url: healthy.url });
  const recordedAt = Date.now();
  const job = await insertFinishedJob(h.testDb, quiet);
  await h.webhooks.outbox.jobFinished(job);
  const [request] = await healthy.waitFor(1, 10_000);
  expect(request!.receivedAt.getTime() - recordedAt).toBeLessThan(2_000);
  const [delivery] = await h.webhooks.deliveries.listForJob(quiet, job._id);
  expect(await settled(h.webhooks, delivery!._id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1 });

  // The noisy tenant holds exactly its share, no more, and the rest stays queued for it.
  await eventually(async () => dispatcher.inFlight === share, () => `${share} attempts in flight (now ${dispatcher.inFlight})`);
  expect(dead.requests).toHaveLength(share);
});

it('while one tenant is at its share, its backlog does not keep the other tenants waiting behind it', async () => {
  const h = await t.harness({ WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_CONCURRENCY: '4', WEBHOOK_TENANT_CONCURRENCY: '2', WEBHOOK_ENDPOINT_CONCURRENCY: '2' });
  const dead = await t.receiver();
  const healthy = await t.receiver();
  dead.script(Array.from({ length: 50 }, () => ({ hang: true })));
  const noisy = newTenantId();
  await h.webhooks.endpoints.create(noisy, { url: `${dead.url}/a` });
  await h.webhooks.endpoints.create(noisy, { url: `${dead.url}/b` });
  for (let i = 0; i < 10; i += 1) await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, noisy));

  // Three quiet tenants, each with deliveries recorded after the noisy backlog (due later).
  const quiet = [newTenantId(), newTenantId(), newTenantId()];
  for (const tenant of quiet) {
    await h.webhooks.endpoints.create(tenant, { url: healthy.url });
    for (let i = 0; i < 2; i += 1) await h.webhooks.outbox.jobFinished(await insertFinishedJob(h.testDb, tenant));
  }
  h.start({ stopTimeoutMs: 200 });

  await healthy.waitFor(6, 10_000);
  expect(dead.requests).toHaveLength(2);
});
