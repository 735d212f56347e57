/** The repositories the jobs domain works with, built once per process. */
import type { Db } from 'mongodb';
import {
  BatchCallsRepository,
  BatchesRepository,
  BatchRoundsRepository,
  CancelRequestsRepository,
  CheckpointsRepository,
  ClaimsRepository,
  JobEventFeedRepository,
  type JobEventFeedOptions,
  JobEventsRepository,
  JobsRepository,
  LiveJobsRepository,
  ProviderBatchesRepository,
  ReviewAnswersRepository,
  SchedulesRepository,
  TimersRepository,
  UsageTotalsRepository,
} from '../../db/jobs/index.js';
import { isFerretDb } from '../../db/client.js';

export interface JobStores {
  jobs: JobsRepository;
  /** Scheduling facts of jobs not yet done: what every poll and sweep reads. */
  live: LiveJobsRepository;
  /** Cancels asked for and not yet carried out, deleted with their live record. */
  cancelRequests: CancelRequestsRepository;
  /** Lease generation claims, deleted with their live record. */
  leaseClaims: ClaimsRepository;
  batches: BatchesRepository;
  events: JobEventsRepository;
  claims: ClaimsRepository;
  checkpoints: CheckpointsRepository;
  /** Usage sums per tenant and batch, added to with each recorded call. */
  usage: UsageTotalsRepository;
  /** Answers to reviews, one per review (a unique `_id`), kept until the job finishes. */
  reviewAnswers: ReviewAnswersRepository;
  /** Pending timers of waits that end by themselves (timers.ts). */
  timers: TimersRepository;
  /** BATCH jobs' calls handed to the provider's batch, and their lines still to send (src/jobs/batch). */
  batchCalls: BatchCallsRepository;
  /** The batches sent to the provider and not yet answered in full. */
  providerBatches: ProviderBatchesRepository;
  /** The fleet's batch rounds (one worker at a time). */
  batchRounds: BatchRoundsRepository;
  /** Recurring schedules, their per-tenant lists and locks. */
  schedules: SchedulesRepository;
}

export interface JobStoresOptions {
  /** Bounds of the live event feed (config.events.feedMaxEvents / feedMaxBytes). */
  eventFeed?: JobEventFeedOptions;
}

export async function createJobStores(db: Db, opts: JobStoresOptions = {}): Promise<JobStores> {
  const idLookupsOnly = await isFerretDb(db);
  const stores: JobStores = {
    jobs: new JobsRepository(db),
    live: new LiveJobsRepository(db, { idLookupsOnly }),
    cancelRequests: new CancelRequestsRepository(db),
    leaseClaims: new ClaimsRepository(db, 'job_lease_claims'),
    batches: new BatchesRepository(db),
    events: new JobEventsRepository(db, { feed: new JobEventFeedRepository(db, opts.eventFeed) }),
    claims: new ClaimsRepository(db),
    checkpoints: new CheckpointsRepository(db),
    usage: new UsageTotalsRepository(db),
    reviewAnswers: new ReviewAnswersRepository(db),
    timers: new TimersRepository(db),
    batchCalls: new BatchCallsRepository(db),
    providerBatches: new ProviderBatchesRepository(db),
    batchRounds: new BatchRoundsRepository(db),
    schedules: new SchedulesRepository(db),
  };
  await Promise.all([
    stores.jobs.ensureIndexes(),
    stores.live.ensureIndexes(),
    stores.batches.ensureIndexes(),
    stores.events.ensureIndexes(),
    stores.checkpoints.ensureIndexes(),
    stores.usage.ensureIndexes(),
    stores.reviewAnswers.ensureIndexes(),
    stores.timers.ensureIndexes(),
    stores.batchCalls.ensureIndexes(),
    stores.providerBatches.ensureIndexes(),
  ]);
  return stores;
}
