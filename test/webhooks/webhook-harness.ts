/**
 * Shared set-up for the webhook suites: a config with a short schedule and private
 * addresses allowed (receivers listen on 127.0.0.1), the webhooks domain on a fresh test
 * database, synthetic finished jobs, and polling with a deadline instead of sleeping.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { JobDoc } from '../../src/db/jobs/docs.js';
import { createLogger } from '../../src/log/logger.js';
import { createWebhooks, type CreateWebhooksOptions, type Webhooks, type WebhookDispatcher } from '../../src/webhooks/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';
import { eventually } from '../support/eventually.js';

export const silentLogger = createLogger('silent');

/** Fast defaults for tests; every value can be overridden by env name. */
export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    LOG_LEVEL: 'silent',
    AI_PROVIDER: 'offline',
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '0s,1s,2s',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_POLL_INTERVAL: '50ms',
    ...env,
  });
}

export interface Harness {
  testDb: TestDb;
  config: Readonly<Config>;
  webhooks: Webhooks;
  /** Dispatchers started through start(); all stopped by close(). */
  start(overrides?: Parameters<Webhooks['createDispatcher']>[0]): WebhookDispatcher;
  close(): Promise<void>;
}

export async function createHarness(
  env: Record<string, string> = {},
  extra: Pick<CreateWebhooksOptions, 'lookup' | 'connectLookup'> = {},
): Promise<Harness> {
  const testDb = await createTestDb('wh');
  const config = testConfig(env);
  const webhooks = await createWebhooks({ db: testDb.db, config, logger: silentLogger, ...extra });
  const dispatchers: WebhookDispatcher[] = [];
  return {
    testDb,
    config,
    webhooks,
    start(overrides) {
      const dispatcher = webhooks.createDispatcher(overrides);
      dispatchers.push(dispatcher);
      dispatcher.start();
      return dispatcher;
    },
    async close() {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await testDb.close();
    },
  };
}

export interface ReceiverPerTest {
  /** This test's receiver, started before it and closed after it. */
  readonly receiver: WebhookReceiver;
  /** A harness for this test, closed after it (after the receiver). */
  harness(env?: Record<string, string>, extra?: Pick<CreateWebhooksOptions, 'lookup' | 'connectLookup'>): Promise<Harness>;
}

/** Registers beforeEach/afterEach for suites where every test has a receiver of its own. */
export function receiverPerTest(): ReceiverPerTest {
  let receiver: WebhookReceiver | undefined;
  let harness: Harness | undefined;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver?.close();
    await harness?.close();
    harness = undefined;
  });
  return {
    get receiver() {
      if (receiver === undefined) throw new Error('the receiver is started in beforeEach');
      return receiver;
    },
    async harness(env, extra) {
      harness = await createHarness(env, extra);
      return harness;
    },
  };
}

export interface ReceiversPerTest {
  /** A new receiver, closed after the test. */
  receiver(): Promise<WebhookReceiver>;
  /** A harness for this test, closed after it (after its receivers). */
  harness(env?: Record<string, string>): Promise<Harness>;
}

/** Registers afterEach for suites whose tests start receivers (any number) and a harness of their own. */
export function receiversPerTest(): ReceiversPerTest {
  const receivers: WebhookReceiver[] = [];
  let harness: Harness | undefined;
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await harness?.close();
    harness = undefined;
  });
  return {
    async receiver() {
      const r = await startWebhookReceiver();
      receivers.push(r);
      return r;
    },
    async harness(env) {
      harness = await createHarness(env);
      return harness;
    },
  };
}

/** A job as the jobs domain leaves it when it finishes, stored in `jobs`. */
export async function insertFinishedJob(testDb: TestDb, tenantId: string, overrides: Partial<JobDoc> = {}): Promise<JobDoc> {
  const now = new Date();
  const job: JobDoc = {
    _id: randomUUID(),
    tenantId,
    kind: 'chain',
    status: 'SUCCEEDED',
    input: JSON.stringify({ steps: [{ name: 'a', prompt: 'hi' }] }),
    metadata: JSON.stringify({ 'order.id': 42, $weird: ['a', ['nested']] }),
    result: JSON.stringify({ outputs: { a: 'hello' }, final: 'hello' }),
    error: null,
    steps: [],
    progress: { completed: 1, total: 1, percent: 100, message: null },
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    batchId: null,
    idempotencyKey: null,
    requestHash: 'x',
    usage: { calls: 1, promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.00001 },
    createdAt: new Date(now.getTime() - 5_000),
    startedAt: new Date(now.getTime() - 4_000),
    finishedAt: now,
    updatedAt: now,
    ...overrides,
  };
  await testDb.db.collection<JobDoc>('jobs').insertOne(job);
  return job;
}

export { eventually };

/** Waits until the delivery has left PENDING and returns it. */
export async function settled(webhooks: Webhooks, deliveryId: string, timeoutMs = 10_000) {
  return eventually(
    async () => {
      const d = await webhooks.repositories.deliveries.findById(deliveryId);
      return d && d.status !== 'PENDING' ? d : undefined;
    },
    `delivery ${deliveryId} to settle`,
    timeoutMs,
  );
}

/** A tenant of its own for one test. */
export const newTenantId = (): string => `tenant-${randomUUID()}`;

/** A received request's headers, as standardwebhooks' `verify` takes them. */
export const headersOf = (r: ReceivedRequest): Record<string, string> => r.headers as Record<string, string>;

export const tenantA = 'tenant-a';
export const tenantB = 'tenant-b';
