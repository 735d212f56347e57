/** The repositories the jobs domain works with, built once per process. */
import type { Db } from 'mongodb';
import { BatchesRepository } from '../db/batches.repository.js';
import { CheckpointsRepository } from '../db/checkpoints.repository.js';
import { isFerretDb } from '../db/client.js';
import { ClaimsRepository } from '../db/claims.repository.js';
import { JobEventsRepository } from '../db/job-events.repository.js';
import { JobsRepository } from '../db/jobs.repository.js';
import { UsageTotalsRepository } from '../db/usage-totals.repository.js';

export interface JobStores {
  jobs: JobsRepository;
  batches: BatchesRepository;
  events: JobEventsRepository;
  claims: ClaimsRepository;
  checkpoints: CheckpointsRepository;
  /** Usage sums per tenant and batch, added to with each recorded call. */
  usage: UsageTotalsRepository;
}

export async function createJobStores(db: Db): Promise<JobStores> {
  const idLookupsOnly = await isFerretDb(db);
  const stores: JobStores = {
    jobs: new JobsRepository(db, { idLookupsOnly }),
    batches: new BatchesRepository(db),
    events: new JobEventsRepository(db),
    claims: new ClaimsRepository(db),
    checkpoints: new CheckpointsRepository(db),
    usage: new UsageTotalsRepository(db),
  };
  await Promise.all([
    stores.jobs.ensureIndexes(),
    stores.batches.ensureIndexes(),
    stores.events.ensureIndexes(),
    stores.checkpoints.ensureIndexes(),
    stores.usage.ensureIndexes(),
  ]);
  return stores;
}
