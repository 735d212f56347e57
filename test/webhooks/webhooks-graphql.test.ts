/**
 * The webhook API through the real HTTP server (API + worker roles in this process, as
 * `npm start` runs them): endpoints, rotation, test sends, redelivery, pagination, a real
 * job's webhook, deletion, and another tenant seeing none of it.
 */
import { Webhook } from 'standardwebhooks';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData } from '../support/graphql-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { eventually } from './webhook-harness.js';

let app: TestApp;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  app = await startTestApp({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,300ms', WEBHOOK_POLL_INTERVAL: '50ms' } });
});
afterAll(async () => {
  await receiver.close();
  await app.stop();
});

const q = <T = any>(query: string, variables?: Record<string, unknown>) => gqlData<T>(app.url, app.key, query, variables);

const DELIVERY = `id messageId eventType status payload attemptCount nextAttemptAt createdAt deliveredAt
  attempts { number at durationMs statusCode error responseBody } endpoint { id url }`;

async function deliveryWhen(id: string, check: (d: any) => boolean): Promise<any> {
  return eventually(async () => {
    const { webhookDelivery } = await q(`query($id: ID!) { webhookDelivery(id: $id) { ${DELIVERY} } }`, { id });
    return check(webhookDelivery) ? webhookDelivery : undefined;
  }, `delivery ${id} to reach the expected state`);
}

test('endpoints, rotation, test sends, redelivery, pagination, job webhooks and deletion over GraphQL', async () => {
  // Register: an unknown event type is refused with its path; a good one returns the secret once.
  const bad = await gql(app.url, app.key, `mutation { createWebhookEndpoint(input: { url: "${receiver.url}", eventTypes: ["job.exploded"] }) { secret } }`);
  expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'eventTypes', 0] });

  const { createWebhookEndpoint: created } = await q(
    `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, description: "ops" }) {
       secret oldSecretExpiresAt endpoint { id url description eventTypes enabled disabledReason createdAt } } }`,
    { url: `${receiver.url}/hooks` },
  );
  expect(created).toMatchObject({
    secret: expect.stringMatching(/^whsec_/),
    oldSecretExpiresAt: null,
    endpoint: { url: `${receiver.url}/hooks`, description: 'ops', enabled: true, disabledReason: null, eventTypes: ['job.succeeded', 'job.failed', 'job.cancelled', 'job.review_requested', 'batch.completed', 'webhook.test'] },
  });
  const endpointId: string = created.endpoint.id;
  expect((await q(`{ webhookEndpoints { id } }`)).webhookEndpoints).toEqual([{ id: endpointId }]);
  expect((await q(`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id: endpointId })).webhookEndpoint).toEqual({ id: endpointId });

  // Rotate: both secrets verify the next message.
  const { rotateWebhookEndpointSecret: rotated } = await q(`mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret oldSecretExpiresAt endpoint { id } } }`, { id: endpointId });
  expect(rotated.secret).not.toBe(created.secret);
  expect(Date.parse(rotated.oldSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);

  receiver.script([{ status: 500, body: 'nope' }, { status: 200, body: 'thanks' }]);
  const { sendTestWebhook: sent } = await q(`mutation($id: ID!) { sendTestWebhook(endpointId: $id) { ${DELIVERY} } }`, { id: endpointId });
  expect(sent).toMatchObject({ eventType: 'webhook.test', status: 'PENDING', messageId: expect.stringMatching(/^msg_/), payload: { type: 'webhook.test', data: {} } });
  const [first, second] = await receiver.waitFor(2);
  for (const secret of [created.secret, rotated.secret]) {
    expect(new Webhook(secret).verify(first!.body, first!.headers as Record<string, string>)).toEqual(sent.payload);
  }
  expect(second!.headers['webhook-id']).toBe(sent.messageId);
  const delivered = await deliveryWhen(sent.id, (d) => d.status === 'SUCCEEDED');
  expect(delivered).toMatchObject({ attemptCount: 2, nextAttemptAt: null, deliveredAt: expect.any(String), endpoint: { id: endpointId } });
  expect(delivered.attempts).toEqual([
    { number: 1, at: expect.any(String), durationMs: expect.any(Number), statusCode: 500, error: 'non-2xx status 500', responseBody: 'nope' },
    { number: 2, at: expect.any(String), durationMs: expect.any(Number), statusCode: 200, error: null, responseBody: 'thanks' },
  ]);

  // Redeliver: same webhook-id, attempts numbered on.
  const { redeliverWebhook: again } = await q(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id messageId status } }`, { id: sent.id });
  expect(again).toEqual({ id: sent.id, messageId: sent.messageId, status: 'PENDING' });
  const [, , third] = await receiver.waitFor(3);
  expect(third!.headers['webhook-id']).toBe(sent.messageId);
  expect((await deliveryWhen(sent.id, (d) => d.status === 'SUCCEEDED' && d.attemptCount === 3)).attempts).toHaveLength(3);

  // A real job: submitted, run by the worker, its result delivered and listed on the job.
  const { submitJob } = await q(`mutation { submitJob(input: { kind: "chain", input: { steps: [{ name: "a", prompt: "Say hi" }] } }) { id } }`);
  const jobMessage = await eventually(async () => receiver.requests.find((r) => JSON.parse(r.body).type === 'job.succeeded'), 'the job.succeeded webhook', 20_000);
  const jobBody = new Webhook(rotated.secret).verify(jobMessage.body, jobMessage.headers as Record<string, string>) as any;
  expect(jobBody.data.job).toMatchObject({ id: submitJob.id, kind: 'chain', status: 'SUCCEEDED', result: expect.anything(), error: null });
  const { job } = await q(`query($id: ID!) { job(id: $id) { id webhookDeliveries { eventType messageId job { id status } endpoint { id } } } }`, { id: submitJob.id });
  expect(job.webhookDeliveries).toEqual([
    { eventType: 'job.succeeded', messageId: jobMessage.headers['webhook-id'], job: { id: submitJob.id, status: 'SUCCEEDED' }, endpoint: { id: endpointId } },
  ]);

  // Pagination over the endpoint's deliveries, newest first.
  const page = async (after: string | null, status?: string) =>
    (await q(`query($id: ID!, $after: String, $status: WebhookDeliveryStatus) { webhookEndpoint(id: $id) {
        deliveries(first: 1, after: $after, status: $status) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id eventType } } } } }`,
      { id: endpointId, after, status })).webhookEndpoint.deliveries;
  const p1 = await page(null);
  expect(p1).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { eventType: 'job.succeeded' } }] });
  const p2 = await page(p1.pageInfo.endCursor);
  expect(p2).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false }, edges: [{ node: { id: sent.id } }] });
  expect((await page(null, 'FAILED')).totalCount).toBe(0);
  const badCursor = await gql(app.url, app.key, `query($id: ID!) { webhookEndpoint(id: $id) { deliveries(after: "nonsense") { totalCount } } }`, { id: endpointId });
  expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['after'] });

  // Another tenant sees nothing and can change nothing.
  const otherKey = await app.newTenantKey(`other-${Date.now()}`);
  const other = (query: string, variables?: Record<string, unknown>) => gql(app.url, otherKey, query, variables);
  expect((await other(`{ webhookEndpoints { id } }`)).data).toEqual({ webhookEndpoints: [] });
  expect((await other(`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id: endpointId })).data).toEqual({ webhookEndpoint: null });
  expect((await other(`query($id: ID!) { webhookDelivery(id: $id) { id } }`, { id: sent.id })).data).toEqual({ webhookDelivery: null });
  for (const [mutation, variables] of [
    [`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "x" }) { id } }`, { id: endpointId }],
    [`mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }`, { id: endpointId }],
    [`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpointId }],
    [`mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id } }`, { id: endpointId }],
    [`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`, { id: sent.id }],
  ] as const) {
    expect((await other(mutation, variables)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  }

  // Update, then delete: the deliveries still name the (deleted) endpoint.
  const { updateWebhookEndpoint: updated } = await q(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { eventTypes: ["job.failed"], description: "" }) { eventTypes description } }`, { id: endpointId });
  expect(updated).toEqual({ eventTypes: ['job.failed'], description: null });
  expect((await q(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpointId })).deleteWebhookEndpoint).toBe(true);
  expect((await q(`{ webhookEndpoints { id } }`)).webhookEndpoints).toEqual([]);
  expect((await q(`query($id: ID!) { webhookDelivery(id: $id) { endpoint { id } } }`, { id: sent.id })).webhookDelivery).toEqual({ endpoint: { id: endpointId } });
  const gone = await gql(app.url, app.key, `mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id } }`, { id: endpointId });
  expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});
