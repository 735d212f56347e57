/**
 * The composition root: the parts of one process, each built by its own domain's factory
 * from the config and the database (server/ builds no repository). Resolvers see only
 * `domain` (through the context).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { createAuth, type Auth } from '../auth/create-auth.js';
import { createFiles, type Files } from '../files/index.js';
import { createJobs, type JobKinds, type JobNotifier, type Jobs, type JobStores, type JobQueue } from '../jobs/index.js';
import type { Logger } from '../log/logger.js';
import { createRetention, type Retention } from '../retention/create-retention.js';
import { notifyAll } from '../retention/retention-ledger.js';
import type { DomainServices } from '../resolvers/context.js';
import { createWebhooks, type Webhooks } from '../webhooks/index.js';

export interface Services extends Auth {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  /** This process in leases and logs: host, pid and a random suffix. */
  processId: string;
  /** The jobs side: stores, queue, service, and the live and worker parts a role starts. */
  jobs: Jobs;
  jobStores: JobStores;
  queue: JobQueue;
  /** Records webhook deliveries and retention ledger rows when jobs and batches finish. */
  notifier: JobNotifier;
  /** The ledger of finished work and the sweep over it (worker role). */
  retention: Retention;
  /** Webhook endpoints, deliveries, the outbox (= notifier) and the dispatcher factory. */
  webhooks: Webhooks;
  /** Uploads (POST /files), their list, and the reader jobs use. */
  files: Files;
  domain: DomainServices;
}

/** `kinds`: the registry the entry point loaded; unset, createJobs loads it from the config. */
export async function createServices(config: Readonly<Config>, logger: Logger, db: Db, opts: { kinds?: JobKinds } = {}): Promise<Services> {
  const processId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const auth = await createAuth(db, config);
  const webhooks = await createWebhooks({ db, config, logger: logger.child({ part: 'webhooks' }) });
  const retention = await createRetention(db, config);
  const notifier: JobNotifier = notifyAll(webhooks.outbox, retention.ledger);
  const files = await createFiles({ db, config, onStart: (file) => retention.ledger.fileStored(file) });
  const jobs = await createJobs({ db, config, logger, processId, notifier, files: files.reader, ...(opts.kinds ? { kinds: opts.kinds } : {}) });
  return {
    config,
    logger,
    db,
    processId,
    ...auth,
    jobs,
    jobStores: jobs.stores,
    queue: jobs.queue,
    notifier,
    retention,
    webhooks,
    files,
    domain: { jobs: jobs.service, webhooks, files: files.service, rateLimits: auth.rateLimiter, accessTokens: auth.accessTokens },
  };
}
