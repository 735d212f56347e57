/** The Batch API path of executionMode BATCH: a step's calls handed to the provider's batch, and the fleet's batch round that sends, follows and answers them. */
export { batchCallId, BATCH_METADATA_KEY, batchFileName } from './call-id.js';
export { countBatchCall, PARKED, StepBatchCalls } from './step-batch-calls.js';
export type { BatchCallRequest, StepBatchDeps } from './step-batch-calls.js';
export { BatchRounds } from './batch-round.js';
export type { BatchRoundsOptions } from './batch-round.js';
export type { BatchRoundDeps } from './round-deps.js';
export { wakeIfSettled, wakeForBatch } from './batch-wakes.js';
export type { BatchWakeDeps } from './batch-wakes.js';
export { planBatches, MAX_GATHER_WINDOWS } from './plan-batches.js';
export type { BatchPlan, PlanLimits, WaitingLine } from './plan-batches.js';
export { createBatchPath } from './batch-path.js';
export type { BatchPath, BatchPathOptions } from './batch-path.js';
export { storedAnswer } from './stored-answer.js';
export type { StoredAnswer } from './stored-answer.js';
