/**
 * The Batch API path of one worker process, composed from the configuration: what a step
 * needs to hand a BATCH job's calls to the provider's batch, and the fleet's batch round,
 * which this worker runs whenever it is its turn.
 */
import type { AiProvider } from '../../ai/index.js';
import type { BatchConfig } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import type { JobQueue, JobStores } from '../lifecycle/index.js';
import { BatchRounds } from './batch-round.js';
import { wakeIfSettled, type BatchWakeDeps } from './batch-wakes.js';
import type { StepBatchDeps } from './step-batch-calls.js';

export interface BatchPathOptions {
  stores: JobStores;
  queue: JobQueue;
  ai: AiProvider;
  logger: Logger;
  /** This process, in leases and rounds. */
  owner: string;
  /** JOB_LEASE. */
  leaseMs: number;
  /** AI_MAX_CALL_ATTEMPTS. */
  maxCallAttempts: number;
  config: BatchConfig;
}

export interface BatchPath {
  step: StepBatchDeps;
  rounds: BatchRounds;
}

/** Undefined when the provider has no Batch API: BATCH jobs then make their calls at once. */
export function createBatchPath(opts: BatchPathOptions): BatchPath | undefined {
  const api = opts.ai.batches;
  if (!api) return undefined;
  const { stores, queue, config } = opts;
  // A batch's answers may wake thousands of jobs at once: they go through the backlog, admitted in turns between tenants.
  const wakes: BatchWakeDeps = { stores, owner: opts.owner, leaseMs: opts.leaseMs, requeue: (job) => queue.submit(job._id, job.tenantId, job.priority) };
  const rounds = new BatchRounds(
    {
      stores,
      api,
      offline: opts.ai.name === 'offline',
      wakes,
      logger: opts.logger,
      limits: { gatherWaitMs: config.gatherWaitMs, maxLines: config.maxLines, maxBytes: config.maxBytes },
      // Progress is written now and then, not on every poll: each write touches every waiting job of the batch.
      progressEveryMs: 5 * config.pollMs,
      now: () => new Date(),
    },
    { owner: opts.owner, leaseMs: opts.leaseMs, pollMs: config.pollMs },
  );
  return { step: { api, maxCallAttempts: opts.maxCallAttempts, wakeIfSettled: (jobId, callIds) => wakeIfSettled(wakes, jobId, callIds) }, rounds };
}
