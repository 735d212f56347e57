/**
 * Retention, composed: the ledger of finished work (a JobNotifier beside the webhook
 * outbox) and, for worker processes, the sweep that ages work out of the history.
 */
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { RetentionLedgerRepository } from '../db/jobs/index.js';
import type { JobStores } from '../jobs/index.js';
import type { Logger } from '../log/logger.js';
import type { Webhooks } from '../webhooks/index.js';
import { RetentionLedger } from './retention-ledger.js';
import { RetentionSweep, type RetentionSweepDeps } from './retention-sweep.js';

export interface Retention {
  /** Notes each finished job and batch once (compose it into the jobs' notifier). */
  ledger: RetentionLedger;
  /** A sweep over this process's stores (worker role); call `start()` on it. */
  sweep(jobs: JobStores, webhooks: Webhooks, logger: Logger, files?: RetentionSweepDeps['files']): RetentionSweep;
}

export async function createRetention(db: Db, config: Readonly<Config>): Promise<Retention> {
  const repository = new RetentionLedgerRepository(db);
  await repository.ensureIndexes();
  return {
    ledger: new RetentionLedger(repository),
    sweep: (jobs, webhooks, logger, files) => {
      const { repositories } = webhooks;
      return new RetentionSweep({
        ledger: repository,
        jobs: jobs.jobs,
        live: jobs.live,
        batches: jobs.batches,
        events: jobs.events,
        endpoints: repositories.endpoints,
        deliveries: repositories.deliveries,
        attempts: repositories.attempts,
        queue: repositories.queue,
        ...(files ? { files } : {}),
        settings: config.retention,
        logger,
      });
    },
  };
}
