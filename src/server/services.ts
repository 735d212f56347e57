/**
 * The composition root: every repository and domain service of one process, built once
 * from the config and the database. Resolvers see only `domain` (through the context).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { TenantBudgetsRepository } from '../db/tenant-budgets.repository.js';
import { TenantsRepository } from '../db/tenants.repository.js';
import { TenantBudgets } from '../jobs/budget-guard.js';
import { modelPolicyFrom } from '../jobs/model-policy.js';
import { JobService } from '../jobs/job-service.js';
import { createJobStores, type JobStores } from '../jobs/job-stores.js';
import type { JobsDomain } from '../jobs/jobs-domain.js';
import { defaultJobKinds } from '../jobs/kinds.js';
import type { JobNotifier } from '../jobs/notifier.js';
import { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../log/logger.js';
import type { DomainServices } from '../resolvers/context.js';
import { createWebhooks, type Webhooks } from '../webhooks/index.js';

export interface Services {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  /** This process in leases and logs: host, pid and a random suffix. */
  processId: string;
  tenants: TenantsRepository;
  jobStores: JobStores;
  jobsDomain: JobsDomain;
  queue: JobQueue;
  /** Records webhook deliveries when jobs and batches finish. */
  notifier: JobNotifier;
  /** Webhook endpoints, deliveries, the outbox (= notifier) and the dispatcher factory. */
  webhooks: Webhooks;
  domain: DomainServices;
}

export async function createServices(config: Readonly<Config>, logger: Logger, db: Db): Promise<Services> {
  const processId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const tenants = new TenantsRepository(db);
  await tenants.ensureIndexes();
  const jobStores = await createJobStores(db);
  const queue = new JobQueue(db, {
    pollMs: config.jobs.pollMs,
    concurrency: config.jobs.concurrency,
    lockLifetimeMs: config.jobs.leaseMs,
    name: processId,
  });
  const webhooks = await createWebhooks({ db, config, logger: logger.child({ part: 'webhooks' }) });
  const notifier: JobNotifier = webhooks.outbox;
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
  return {
    config,
    logger,
    db,
    processId,
    tenants,
    jobStores,
    jobsDomain,
    queue,
    notifier,
    webhooks,
    domain: { jobs: new JobService(jobsDomain), webhooks },
  };
}
