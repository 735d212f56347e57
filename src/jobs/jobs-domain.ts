/** Everything the API-side job operations need, built once per process. */
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { JobKinds } from './kinds.js';
import type { JobStores } from './job-stores.js';
import type { JobNotifier } from './notifier.js';
import type { JobQueue } from './queue.js';

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
}
