/** Lifecycle: a job's states and who may change them — the lease, the leased job, parking, finishing, batch settlement, progress, timers, the queue of wake-ups, and the repositories behind them. */
export { batchCounts, batchStatus, reopenBatch, settleBatchIfDone, unfinishedCount } from './batch-settlement.js';
export type { BatchView, StatusCounts } from './batch-settlement.js';
export { completeFinished, finishJob } from './finish.js';
export { acquireLease, heldLiveRecord, keepLeaseAlive, releaseLease } from './lease.js';
export type { HeldLease } from './lease.js';
export { LeaseLostError, LeasedJob, type JobEventSpec } from './leased-job.js';
export type { JobNotifier, ReviewRequestNotice } from './notifier.js';
export { batchProgressMessage, jobProgress, makeProgress } from './progress.js';
export { isParked, ParkRequest, parkFor, parkJob, recoverInterruptedWake, wakeParked } from './park.js';
export type { WakeDeps, WakeOutcome } from './park.js';
export { JobQueue } from './queue.js';
export { startScheduledBatch, startScheduledJob } from './scheduled-start.js';
export { createJobStores } from './stores.js';
export type { JobStores } from './stores.js';
export { JobTimers } from './timers.js';
export type { TimerHandlers, TimerSweepOptions } from './timers.js';
export { submissionTrace, traceIdField } from './trace-fields.js';
