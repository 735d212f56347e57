/**
 * The composition root: every repository and domain service of one process, built once
 * from the config and the database. Resolvers see only `domain` (through the context).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import { supportsChangeStreams } from '../db/client.js';
import type { Config } from '../config/index.js';
import { TenantRateLimiter } from '../auth/rate-limits.js';
import { RateCountersRepository } from '../db/rate-counters.repository.js';
import { AccessTokens } from '../auth/access-tokens.js';
import { AccessTokensRepository } from '../db/access-tokens.repository.js';
import { TenantsRepository } from '../db/tenants.repository.js';
import { WsConnectionsRepository } from '../db/ws-connections.repository.js';
import { TenantBudgetsRepository } from '../db/tenant-budgets.repository.js';
import { TenantBudgets } from '../jobs/budget-guard.js';
import { modelPolicyFrom } from '../jobs/model-policy.js';
import { JobService } from '../jobs/job-service.js';
import { createJobStores, type JobStores } from '../jobs/job-stores.js';
import type { JobsDomain } from '../jobs/jobs-domain.js';
import { defaultJobKinds } from '../jobs/kinds.js';
import type { JobNotifier } from '../jobs/notifier.js';
import { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../log/logger.js';
import { RetentionLedgerRepository } from '../db/retention-ledger.repository.js';
import { notifyAll, RetentionLedger } from '../retention/retention-ledger.js';
import type { DomainServices } from '../resolvers/context.js';
import { createWebhooks, type Webhooks } from '../webhooks/index.js';

export interface Services {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  /** This process in leases and logs: host, pid and a random suffix. */
  processId: string;
  tenants: TenantsRepository;
  /** Per-tenant request, submission and webhook-send limits (src/auth/rate-limits.ts). */
  rateLimiter: TenantRateLimiter;
  /** Open WebSockets of every API process, for MAX_CONNECTIONS_PER_TENANT. */
  wsConnections: WsConnectionsRepository;
  /** Scoped access tokens (also in `domain`, for the resolvers). */
  accessTokens: AccessTokens;
  jobStores: JobStores;
  jobsDomain: JobsDomain;
  queue: JobQueue;
  /** Records webhook deliveries and retention ledger rows when jobs and batches finish. */
  notifier: JobNotifier;
  /** Finished work, oldest first, for the retention sweep (worker role). */
  retentionLedger: RetentionLedgerRepository;
  /** Webhook endpoints, deliveries, the outbox (= notifier) and the dispatcher factory. */
  webhooks: Webhooks;
  domain: DomainServices;
}

export async function createServices(config: Readonly<Config>, logger: Logger, db: Db): Promise<Services> {
  const processId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const tenants = new TenantsRepository(db);
  await tenants.ensureIndexes();
  const rateCounters = new RateCountersRepository(db);
  await rateCounters.ensureIndexes();
  const rateLimiter = new TenantRateLimiter(rateCounters, {
    request: config.api.requestsPerMinute,
    submit: config.api.submissionsPerMinute,
    'webhook-send': config.api.webhookSendsPerMinute,
  });
  const wsConnections = new WsConnectionsRepository(db);
  await wsConnections.ensureIndexes();
  const jobStores = await createJobStores(db, {
    eventFeed: { maxDocs: config.events.feedMaxEvents, maxBytes: config.events.feedMaxBytes },
  });
  const queue = new JobQueue(db, {
    pollMs: config.jobs.pollMs,
    concurrency: config.jobs.concurrency,
    lockLifetimeMs: config.jobs.leaseMs,
    name: processId,
    // On a replica set a submitted job is picked up at once, not at the next poll.
    changeStream: config.role !== 'api' && (await supportsChangeStreams(db)),
  });
  const webhooks = await createWebhooks({ db, config, logger: logger.child({ part: 'webhooks' }) });
  const retentionLedger = new RetentionLedgerRepository(db);
  await retentionLedger.ensureIndexes();
  const notifier: JobNotifier = notifyAll(webhooks.outbox, new RetentionLedger(retentionLedger));
  const jobsDomain: JobsDomain = {
    stores: jobStores,
    kinds: defaultJobKinds(),
    queue,
    notifier,
    logger,
    limits: config.jobs.limits,
    defaultMaxAttempts: config.jobs.defaultMaxAttempts,
    leaseMs: config.jobs.leaseMs,
    processId,
    models: modelPolicyFrom(config),
    tenantBudgets: new TenantBudgets(new TenantBudgetsRepository(db)),
  };
  const accessTokens = new AccessTokens(new AccessTokensRepository(db), tenants, config.accessTokens);
  return {
    config,
    logger,
    db,
    processId,
    tenants,
    rateLimiter,
    wsConnections,
    accessTokens,
    jobStores,
    jobsDomain,
    queue,
    notifier,
    retentionLedger,
    webhooks,
    domain: { jobs: new JobService(jobsDomain), webhooks, rateLimits: rateLimiter, accessTokens },
  };
}
