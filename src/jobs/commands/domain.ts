/** Everything the API-side job operations need, built once per process. */
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import type { ModelPolicy, TenantBudgets } from '../ai-control/index.js';
import type { JobFiles, JobKinds } from '../pipelines/index.js';
import type { JobStores, JobNotifier, JobQueue, JobTimers } from '../lifecycle/index.js';
import type { Reviews } from '../review/index.js';

/** The configured limits on what may be submitted (MAX_DOCUMENT_BYTES and the like). */
export type SubmissionLimits = Config['jobs']['limits'];

export interface JobsDomain {
  stores: JobStores;
  kinds: JobKinds;
  queue: JobQueue;
  notifier: JobNotifier;
  logger: Logger;
  limits: SubmissionLimits;
  defaultMaxAttempts: number;
  leaseMs: number;
  /** Identifies this process in leases it takes (cancel, retry). */
  processId: string;
  /** Which models jobs may ask for (absent: none may be chosen). */
  models?: ModelPolicy;
  /** Monthly tenant budgets: a tenant over its budget may not submit (absent: no budgets). */
  tenantBudgets?: TenantBudgets;
  /** The files jobs may refer to (absent: a submission naming a file is refused). */
  files?: JobFiles;
  /** AI_BATCH_DEADLINE: a BATCH job's deadline after its submission when it names none. @default 24 h */
  batchDeadlineMs?: number;
  /** Human reviews: answers, their delivery and callback links. */
  reviews: Reviews;
  /** Timers of waits that end by themselves (start times, review timeouts, schedule ticks). */
  timers: JobTimers;
  /** RUN_AT_MAX_AHEAD: how far ahead a start time may be. */
  maxRunAtAheadMs: number;
  /** SCHEDULES_MAX_PER_TENANT: recurring schedules one tenant may have. */
  maxSchedulesPerTenant: number;
}
