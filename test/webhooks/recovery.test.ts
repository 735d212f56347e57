/**
 * Recovery after an outage (`recoverWebhookDeliveries`) through the real HTTP server, the
 * real dispatcher and real receivers: a receiver that is down fails deliveries; once it is
 * back, a recovery sends them again, signed, with their original webhook-id, oldest first,
 * and a repeated call sends nothing twice. Also: the `since` window, another tenant, a
 * disabled endpoint, two recoveries at once, and paging with the cap of the returned list.
 *
 * WEBHOOK_ENDPOINT_CONCURRENCY is 1 so that arrival order at the receiver is the order in
 * which the dispatcher starts them (with more in flight, it is only the sending order).
 */
import { Webhook } from 'standardwebhooks';
import { WebhookOutbox } from '../../src/webhooks/outbox.js';
import { RECOVERY_LIST_LIMIT, RECOVERY_WINDOW_DAYS } from '../../src/webhooks/recovery.js';
import type { WebhookDeliveryDoc } from '../../src/db/webhooks/deliveries.repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData } from '../support/graphql-client.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';
import { createHarness, eventually, silentLogger, tenantA } from './webhook-harness.js';

let app: TestApp;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  app = await startTestApp({
    env: { GRAPHQL_INTROSPECTION: 'true', WEBHOOK_RETRY_SCHEDULE: '0s,100ms', WEBHOOK_POLL_INTERVAL: '50ms', WEBHOOK_ENDPOINT_CONCURRENCY: '1' },
  });
});
afterAll(async () => {
  await receiver.close();
  await app.stop();
});

const q = <T = any>(query: string, variables?: Record<string, unknown>) => gqlData<T>(app.url, app.key, query, variables);

const RECOVER = `mutation($id: ID!, $since: DateTime!) { recoverWebhookDeliveries(endpointId: $id, since: $since) {
  endpoint { id enabled } count deliveries { id messageId status attemptCount nextAttemptAt createdAt endpoint { id } } } }`;
const recover = async (id: string, since: Date | string) =>
  (await q(RECOVER, { id, since: typeof since === 'string' ? since : since.toISOString() })).recoverWebhookDeliveries;

async function createEndpoint(url: string): Promise<{ id: string; secret: string }> {
  const { createWebhookEndpoint } = await q(`mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret endpoint { id } } }`, { url });
  return { id: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
}

async function delivery(id: string): Promise<any> {
  const { webhookDelivery } = await q(
    `query($id: ID!) { webhookDelivery(id: $id) { id messageId status payload attemptCount createdAt attempts { number statusCode } } }`,
    { id },
  );
  return webhookDelivery;
}

async function deliveryWhen(id: string, check: (d: any) => boolean, what: string): Promise<any> {
  return eventually(async () => {
    const d = await delivery(id);
    return check(d) ? d : undefined;
  }, `delivery ${id} ${what}`);
}

/** A `webhook.test` message that the receiver (answering 500 twice) makes FAILED. */
async function failedTestMessage(endpointId: string): Promise<any> {
  receiver.script([{ status: 500, body: 'down' }, { status: 500, body: 'down' }]);
  const { sendTestWebhook } = await q(`mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id } }`, { id: endpointId });
  return deliveryWhen(sendTestWebhook.id, (d) => d.status === 'FAILED', 'to fail');
}

/** FAILED deliveries as a dispatcher leaves them after an outage, two per createdAt (then ordered by id). */
function failedDocs(tenantId: string, endpointId: string, n: number, start: number): WebhookDeliveryDoc[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: `whd_${endpointId.slice(-6)}_${String(i).padStart(4, '0')}`,
    tenantId,
    endpointId,
    messageId: `msg_${endpointId.slice(-6)}_${i}`,
    eventType: 'webhook.test',
    eventKey: `test:seeded:${endpointId}:${i}`,
    jobId: null,
    batchId: null,
    payload: JSON.stringify({ type: 'webhook.test', timestamp: new Date(start).toISOString(), data: { n: i } }),
    status: 'FAILED',
    attemptCount: 1,
    scheduleStart: 0,
    nextAttemptAt: null,
    manualNext: false,
    failureReason: 'every scheduled attempt failed (1 of 1; last: non-2xx status 500)',
    createdAt: new Date(start + Math.floor(i / 2) * 1_000),
    updatedAt: new Date(start),
    deliveredAt: null,
  }));
}

/**
 * The requests that arrived before a `webhook.test` marker sent now. With one delivery at a time
 * per endpoint (WEBHOOK_ENDPOINT_CONCURRENCY=1), a send still due would arrive before the marker.
 */
async function requestsBeforeMarker(endpointId: string): Promise<readonly ReceivedRequest[]> {
  const { sendTestWebhook } = await q(`mutation($id: ID!) { sendTestWebhook(endpointId: $id) { messageId } }`, { id: endpointId });
  const at = await eventually(async () => {
    const i = receiver.requests.findIndex((r) => r.headers['webhook-id'] === sendTestWebhook.messageId);
    return i >= 0 ? i : undefined;
  }, 'the marker message to arrive');
  return receiver.requests.slice(0, at);
}

test('after an outage, recovery resends the failed messages signed, with their webhook-id, oldest first, once', async () => {
  const endpoint = await createEndpoint(`${receiver.url}/hooks`);

  // Failed before `since`: left alone.
  const old = await failedTestMessage(endpoint.id);
  await eventually(async () => Date.now() > Date.parse(old.createdAt), 'the clock to pass the old message');
  const since = new Date();
  // The outage: two messages fail every scheduled attempt (0s, 100ms).
  const first = await failedTestMessage(endpoint.id);
  const second = await failedTestMessage(endpoint.id);
  expect([old, first, second].map((d) => d.attempts.map((a: any) => a.statusCode))).toEqual([[500, 500], [500, 500], [500, 500]]);
  expect(Date.parse(first.createdAt)).toBeLessThan(Date.parse(second.createdAt));
  expect(receiver.requests).toHaveLength(6);

  // The receiver is back (unscripted requests get 200): recover.
  const recovered = await recover(endpoint.id, since);
  expect(recovered).toMatchObject({ endpoint: { id: endpoint.id, enabled: true }, count: 2 });
  expect(recovered.deliveries).toEqual([
    { id: first.id, messageId: first.messageId, status: 'PENDING', attemptCount: 2, nextAttemptAt: expect.any(String), createdAt: first.createdAt, endpoint: { id: endpoint.id } },
    { id: second.id, messageId: second.messageId, status: 'PENDING', attemptCount: 2, nextAttemptAt: expect.any(String), createdAt: second.createdAt, endpoint: { id: endpoint.id } },
  ]);

  // Right away again: both are PENDING now, so nothing is restarted.
  expect(await recover(endpoint.id, since)).toEqual({ endpoint: { id: endpoint.id, enabled: true }, count: 0, deliveries: [] });

  const requests = await receiver.waitFor(8);
  const [resentFirst, resentSecond] = requests.slice(6);
  // Oldest first, each with the webhook-id it failed with, signed over the same body.
  expect(resentFirst!.headers['webhook-id']).toBe(first.messageId);
  expect(resentSecond!.headers['webhook-id']).toBe(second.messageId);
  expect(requests[2]!.headers['webhook-id']).toBe(first.messageId);
  expect(requests[4]!.headers['webhook-id']).toBe(second.messageId);
  const verifier = new Webhook(endpoint.secret);
  expect(verifier.verify(resentFirst!.body, resentFirst!.headers as Record<string, string>)).toEqual(first.payload);
  expect(verifier.verify(resentSecond!.body, resentSecond!.headers as Record<string, string>)).toEqual(second.payload);
  expect(resentFirst!.body).toBe(requests[2]!.body);

  for (const d of [first, second]) {
    const done = await deliveryWhen(d.id, (x) => x.status === 'SUCCEEDED', 'to succeed');
    expect(done.attempts.map((a: any) => [a.number, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 200]]);
  }
  expect((await delivery(old.id)).status).toBe('FAILED');

  // Once delivered there is nothing left to recover, and nothing more arrives.
  expect((await recover(endpoint.id, since)).count).toBe(0);
  expect(receiver.requests).toHaveLength(8);

  // Recovering from earlier takes the older failure too, and only it; a late extra send of the
  // others would arrive before it and take its place.
  const earlier = await recover(endpoint.id, new Date(Date.parse(old.createdAt) - 1_000));
  expect(earlier.deliveries.map((d: any) => d.id)).toEqual([old.id]);
  expect((await receiver.waitFor(9))[8]!.headers['webhook-id']).toBe(old.messageId);
  await deliveryWhen(old.id, (x) => x.status === 'SUCCEEDED', 'to succeed');
});

test('refusals: another tenant, a bad since, a disabled endpoint', async () => {
  const endpoint = await createEndpoint(`${receiver.url}/refusals`);
  const call = (key: string, id: string, since: string) => gql(app.url, key, RECOVER, { id, since });
  const recent = new Date(Date.now() - 60_000).toISOString();

  // Another tenant's endpoint does not exist for it.
  const otherKey = await app.newTenantKey(`other-${Date.now()}`);
  const other = await call(otherKey, endpoint.id, recent);
  expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  expect(other.data).toBeNull();
  expect((await call(app.key, 'whe_nope', recent)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

  // `since` in the future, or further back than the window.
  const future = await call(app.key, endpoint.id, new Date(Date.now() + 60_000).toISOString());
  expect(future.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['since'] });
  expect(future.errors?.[0]?.message).toMatch(/^since: is in the future/);
  const tooOld = await call(app.key, endpoint.id, new Date(Date.now() - (RECOVERY_WINDOW_DAYS + 1) * 86_400_000).toISOString());
  expect(tooOld.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['since'] });
  expect(tooOld.errors?.[0]?.message).toMatch(new RegExp(`^since: may reach back at most ${RECOVERY_WINDOW_DAYS} days .*redeliverWebhook`));
  // Just inside the window is fine (and finds nothing here).
  const inside = new Date(Date.now() - RECOVERY_WINDOW_DAYS * 86_400_000 + 60_000).toISOString();
  expect((await recover(endpoint.id, inside)).count).toBe(0);

  // A disabled endpoint: re-enable it first.
  await q(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { enabled } }`, { id: endpoint.id });
  const disabled = await call(app.key, endpoint.id, recent);
  expect(disabled.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  expect(disabled.errors?.[0]?.message).toMatch(/is disabled.*enable it with updateWebhookEndpoint first/);
  await q(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: true }) { enabled } }`, { id: endpoint.id });
  expect((await recover(endpoint.id, recent)).count).toBe(0);
});

test('two recoveries at once send each message once', async () => {
  const endpoint = await createEndpoint(`${receiver.url}/race`);
  const since = new Date();
  const failed = [await failedTestMessage(endpoint.id), await failedTestMessage(endpoint.id)];
  const before = receiver.requests.length;

  const [a, b] = await Promise.all([recover(endpoint.id, since), recover(endpoint.id, since)]);
  // On MongoDB exactly one call restarts each; FerretDB applies conditional writes without
  // atomicity, so both may report one, but the attempt claim still sends it once.
  expect(a.count + b.count).toBeGreaterThanOrEqual(2);
  for (const d of failed) await deliveryWhen(d.id, (x) => x.status === 'SUCCEEDED', 'to succeed');
  const sent = (await requestsBeforeMarker(endpoint.id)).slice(before);
  // Each message once; in which order is not promised when two recoveries interleave.
  expect(sent.map((r) => r.headers['webhook-id']).sort()).toEqual(failed.map((d) => d.messageId).sort());
  for (const d of failed) expect((await delivery(d.id)).attemptCount).toBe(3);
});

// Paging and the cap of the returned list, with small sizes: the real ones (200 and 100)
// would take many seconds of writes on FerretDB for nothing more.
test('recovery pages through every FAILED delivery of the endpoint since the time, in order, and lists the first ones', async () => {
  const harness = await createHarness();
  try {
    const { webhooks, testDb } = harness;
    const repo = webhooks.repositories.deliveries;
    const endpoint = (await webhooks.endpoints.create(tenantA, { url: 'http://127.0.0.1:9/hooks' })).endpoint;
    const otherEndpoint = (await webhooks.endpoints.create(tenantA, { url: 'http://127.0.0.1:9/other' })).endpoint;
    const since = new Date(Date.now() - 60_000);
    const start = since.getTime() + 1_000;
    const failed = failedDocs(tenantA, endpoint._id, 7, start);
    const others = [
      { ...failedDocs(tenantA, endpoint._id, 1, since.getTime() - 1)[0]!, _id: 'whd_before', messageId: 'msg_before' },
      { ...failedDocs(tenantA, endpoint._id, 1, start)[0]!, _id: 'whd_pending', messageId: 'msg_pending', status: 'PENDING' as const },
      { ...failedDocs(tenantA, endpoint._id, 1, start)[0]!, _id: 'whd_succeeded', messageId: 'msg_succeeded', status: 'SUCCEEDED' as const },
      { ...failedDocs(tenantA, otherEndpoint._id, 1, start)[0]!, _id: 'whd_other_endpoint', messageId: 'msg_other' },
    ];
    await repo.collection.insertMany([...failed].reverse().concat(others));
    const snapshot = async (id: string) => (await repo.findById(id))!;
    const untouched = await Promise.all(others.map((d) => snapshot(d._id)));

    const outbox = new WebhookOutbox({
      endpoints: webhooks.repositories.endpoints,
      deliveries: repo,
      queue: webhooks.repositories.queue,
      retrySchedule: [0, 1_000],
      maxPayloadBytes: 1_000_000,
      logger: silentLogger,
      recoveryPageSize: 3,
      recoveryListLimit: 5,
    });
    const result = await outbox.recover(endpoint, since);
    // All 7 restarted (3 pages), the oldest 5 returned.
    expect(result.count).toBe(7);
    expect(result.deliveries.map((d) => d._id)).toEqual(failed.slice(0, 5).map((d) => d._id));
    expect(result.deliveries.map((d) => d.status)).toEqual(Array(5).fill('PENDING'));

    const after = await Promise.all(failed.map((d) => snapshot(d._id)));
    const queued = await Promise.all(failed.map(async (d) => (await webhooks.repositories.queue.findById(d._id))!));
    for (const [i, d] of after.entries()) {
      expect(d).toMatchObject({ status: 'PENDING', attemptCount: 1, scheduleStart: 1, manualNext: true, failureReason: null });
      // Queued for the dispatcher, due when the record says the next attempt is.
      expect(queued[i]).toEqual({ _id: d._id, endpointId: endpoint._id, tenantId: d.tenantId, dueAt: d.nextAttemptAt });
    }
    // Due one after another, oldest first: the order a dispatcher takes them in.
    const due = queued.map((q) => q.dueAt.getTime());
    expect(due).toEqual([...due].sort((x, y) => x - y));
    expect(new Set(due).size).toBe(due.length);
    expect(await Promise.all(others.map((d) => snapshot(d._id)))).toEqual(untouched);

    expect((await outbox.recover(endpoint, since)).count).toBe(0);
  } finally {
    await harness.close();
  }
});

test('the returned list is documented with its real cap', async () => {
  const { __type } = await q(`{ __type(name: "WebhookRecovery") { fields { name description } } }`);
  const deliveries = __type.fields.find((f: any) => f.name === 'deliveries');
  expect(deliveries.description).toContain(`first ${RECOVERY_LIST_LIMIT}`);
  const { __schema } = await q(`{ __schema { mutationType { fields { name description args { name type { kind ofType { name } } } } } } }`);
  const mutation = __schema.mutationType.fields.find((f: any) => f.name === 'recoverWebhookDeliveries');
  expect(mutation.args.map((a: any) => [a.name, a.type.ofType.name])).toEqual([['endpointId', 'ID'], ['since', 'DateTime']]);
  expect(mutation.description).toContain(`first ${RECOVERY_LIST_LIMIT}`);
  expect(mutation.description).toContain(`${RECOVERY_WINDOW_DAYS} days`);
});
