/** The jobs' collections: job history, live records, batches, events and their feed, checkpoints, claims, output, usage sums, the AI rate limit, the retention ledger. */
export { RateLimitRepository } from './ai-rate-limit.repository.js';
export type { RateStateDoc } from './ai-rate-limit.repository.js';
export { BatchesRepository } from './batches.repository.js';
export { CheckpointsRepository } from './checkpoints.repository.js';
export { ClaimsRepository } from './claims.repository.js';
export { ZERO_USAGE, isTerminalStatus } from './docs.js';
export type { AgentActivityDoc, BatchDoc, BatchStatusValue, JobDoc, JobErrorDoc, JobEventDoc, JobEventTypeValue, JobStatusValue, LeaseDoc, LiveJobDoc, ProgressDoc, StepDoc, StepSnapshotDoc, UsageDoc } from './docs.js';
export { JobEventFeedRepository } from './event-feed.repository.js';
export type { JobEventFeedDoc, JobEventFeedOptions } from './event-feed.repository.js';
export { JobEventsRepository, eventId } from './events.repository.js';
export { JobsRepository } from './jobs.repository.js';
export type { JobListFilter } from './jobs.repository.js';
export { LiveJobsRepository } from './live-jobs.repository.js';
export { JobOutputRepository } from './output.repository.js';
export type { JobOutputDoc } from './output.repository.js';
export { RetentionLedgerRepository, ledgerId } from './retention-ledger.repository.js';
export type { RetentionLedgerDoc } from './retention-ledger.repository.js';
export { UsageTotalsRepository } from './usage-totals.repository.js';
