/**
 * The webhooks domain, composed: repositories (with their indexes), the endpoint
 * service, the delivery queries, the outbox (the jobs domain's JobNotifier) and a factory
 * for dispatchers (worker role). The API role never starts a dispatcher; a process with
 * both roles gets a dispatcher that the outbox wakes as soon as it records something.
 */
import type { LookupFunction } from 'node:net';
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { JobsRepository } from '../db/jobs/index.js';
import { WebhookAttemptsRepository, WebhookDeliveriesRepository, WebhookEndpointsRepository, WebhookQueueRepository } from '../db/webhooks/index.js';
import type { Logger } from '../log/logger.js';
import { outsideRequest } from '../log/request-scope.js';
import type { LookupAll } from './address-guard.js';
import { AttemptClaims } from './attempt-claims.js';
import { AttemptRunner } from './attempt-runner.js';
import { WebhookDeliveryQueries } from './deliveries.js';
import { createWebhookDispatcher, newDispatcherOwner, type WebhookDispatcher } from './dispatcher.js';
import { EndpointHealth } from './endpoint-health.js';
import { WebhookEndpointService } from './endpoints.js';
import { createWebhookSender } from './http-sender.js';
import { WebhookOutbox } from './outbox.js';
import { SecretBox } from './secret-box.js';
import type { SettlementPolicy } from './settlement.js';
import { SettlementWriter } from './settlement-writer.js';

export type { WebhookDispatcher } from './dispatcher.js';
export type { WebhookEndpointService, EndpointWithSecret, CreateEndpointInput, UpdateEndpointInput } from './endpoints.js';
export type { WebhookDeliveryQueries, DeliveryPageArgs } from './deliveries.js';
export type { WebhookOutbox } from './outbox.js';
export { RECOVERY_LIST_LIMIT, RECOVERY_WINDOW_DAYS, type RecoveryResult } from './recovery.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';

/** ±20% on every retry delay, so endpoints that failed together are not retried together. */
export const RETRY_JITTER = 0.2;
/** The least wait after a timeout or a 429 (Svix's); a shorter schedule caps it. */
export const THROTTLE_FLOOR_MS = 60_000;
/**
 * Added to the attempt time limit for the database writes around one attempt: an attempt
 * row without an outcome older than the limit plus half of this is taken for orphaned.
 */
export const ATTEMPT_MARGIN_MS = 30_000;

export interface CreateWebhooksOptions {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  /** How host names are resolved when an endpoint is registered; for tests. */
  lookup?: LookupAll;
  /** How host names are resolved when a dispatcher connects; for tests. */
  connectLookup?: LookupFunction;
}

/** Overrides for one dispatcher, mostly for tests. */
export interface DispatcherOverrides {
  owner?: string;
  attemptMarginMs?: number;
  stopTimeoutMs?: number;
  random?: () => number;
}

/** What resolvers use (through the GraphQL context). */
export interface WebhookService {
  endpoints: WebhookEndpointService;
  deliveries: WebhookDeliveryQueries;
  /** Also the JobNotifier that the jobs domain calls. */
  outbox: WebhookOutbox;
}

export interface Webhooks extends WebhookService {
  repositories: {
    endpoints: WebhookEndpointsRepository;
    deliveries: WebhookDeliveriesRepository;
    attempts: WebhookAttemptsRepository;
    queue: WebhookQueueRepository;
  };
  /** A dispatcher for this process; call start() on it (worker role). */
  createDispatcher(overrides?: DispatcherOverrides): WebhookDispatcher;
}

/**
 * Queues PENDING deliveries that have no queue entry: those stored by a version without
 * the queue. An existing entry is left as it is (insert of an existing `_id` is a no-op).
 */
async function queueStoredPending(deliveries: WebhookDeliveriesRepository, queue: WebhookQueueRepository): Promise<void> {
  for (const d of await deliveries.listPending()) {
    await queue.insertIfAbsent({ _id: d._id, endpointId: d.endpointId, tenantId: d.tenantId, dueAt: d.nextAttemptAt ?? new Date() });
  }
}

export async function createWebhooks(options: CreateWebhooksOptions): Promise<Webhooks> {
  const { db, logger } = options;
  const settings = options.config.webhooks;
  const endpointsRepo = new WebhookEndpointsRepository(db);
  const deliveriesRepo = new WebhookDeliveriesRepository(db);
  const attemptsRepo = new WebhookAttemptsRepository(db);
  const queueRepo = new WebhookQueueRepository(db);
  await Promise.all([endpointsRepo.ensureIndexes(), deliveriesRepo.ensureIndexes(), attemptsRepo.ensureIndexes(), queueRepo.ensureIndexes()]);

  const jobs = new JobsRepository(db);
  // Dispatchers of this process, woken when the outbox records deliveries.
  const awake = new Set<WebhookDispatcher>();
  // Endpoint secrets are sealed with WEBHOOK_SECRET_KEY when it is set (never logged).
  const secretBox = new SecretBox(settings.secretKey);

  const endpoints = new WebhookEndpointService({
    endpoints: endpointsRepo,
    deliveries: deliveriesRepo,
    queue: queueRepo,
    allowPrivateUrls: settings.allowPrivateUrls,
    secretGraceMs: settings.secretGraceMs,
    secretBox,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const outbox = new WebhookOutbox({
    endpoints: endpointsRepo,
    deliveries: deliveriesRepo,
    queue: queueRepo,
    retrySchedule: settings.retrySchedule,
    maxPayloadBytes: settings.maxPayloadBytes,
    // Outside the request that recorded it: the dispatcher's lines and timers from here on
    // belong to no request (they used to carry the id of whichever request woke it). New
    // records are handed over (no poll, no read back); a restarted one only wakes it.
    onRecorded: (recorded) => outsideRequest(() => awake.forEach((d) => (recorded ? d.offer(recorded) : d.wake()))),
    logger,
  });
  const health = new EndpointHealth({ endpoints: endpointsRepo, deliveries: deliveriesRepo, queue: queueRepo, disableAfterMs: settings.disableAfterMs, logger });

  function createDispatcher(overrides: DispatcherOverrides = {}): WebhookDispatcher {
    const owner = overrides.owner ?? newDispatcherOwner();
    const attemptMarginMs = overrides.attemptMarginMs ?? ATTEMPT_MARGIN_MS;
    // Past one attempt's limit plus half the margin, a row's owner is dead or stalled.
    const orphanAfterMs = settings.timeoutMs + attemptMarginMs / 2;
    const sender = createWebhookSender({
      allowPrivate: settings.allowPrivateUrls,
      timeoutMs: settings.timeoutMs,
      ...(options.connectLookup ? { lookup: options.connectLookup } : {}),
    });
    const policy: SettlementPolicy = {
      schedule: settings.retrySchedule,
      jitter: RETRY_JITTER,
      maxRetryAfterMs: settings.maxRetryAfterMs,
      throttleFloorMs: THROTTLE_FLOOR_MS,
      ...(overrides.random ? { random: overrides.random } : {}),
    };
    const writer = new SettlementWriter({
      attempts: attemptsRepo,
      deliveries: deliveriesRepo,
      queue: queueRepo,
      policy,
      freshReadAfterMs: orphanAfterMs / 2,
      retryMs: attemptMarginMs / 2,
      logger,
    });
    const claims = new AttemptClaims({
      endpoints: endpointsRepo,
      deliveries: deliveriesRepo,
      queue: queueRepo,
      attempts: attemptsRepo,
      writer,
      secretBox,
      owner,
      orphanAfterMs,
      logger,
    });
    const dispatcher = createWebhookDispatcher({
      queue: queueRepo,
      claims,
      runner: new AttemptRunner({ sender, logger }),
      writer,
      health,
      owner,
      concurrency: settings.concurrency,
      perEndpointConcurrency: settings.perEndpointConcurrency,
      perTenantConcurrency: settings.perTenantConcurrency,
      pollMs: settings.pollMs,
      stopTimeoutMs: overrides.stopTimeoutMs ?? settings.timeoutMs + 1_000,
      prepare: () => queueStoredPending(deliveriesRepo, queueRepo),
      onStopped: async () => {
        awake.delete(dispatcher);
        await sender.close();
      },
      logger,
    });
    awake.add(dispatcher);
    return dispatcher;
  }

  return {
    endpoints,
    deliveries: new WebhookDeliveryQueries(deliveriesRepo, attemptsRepo, jobs),
    outbox,
    repositories: { endpoints: endpointsRepo, deliveries: deliveriesRepo, attempts: attemptsRepo, queue: queueRepo },
    createDispatcher,
  };
}
