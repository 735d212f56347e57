/**
 * What the jobs domain tells the outside world when a job or batch finishes: the webhook
 * outbox implements it. Calls must be idempotent — a sweeper repeats them for jobs whose
 * `webhooksPending` flag is still set after a crash.
 */
import type { BatchDoc, JobDoc } from '../../db/jobs/index.js';

export interface JobNotifier {
  /** The job reached SUCCEEDED, FAILED or CANCELLED (the doc shows the final state). */
  jobFinished(job: JobDoc): Promise<void>;
  /** Every job of the batch finished, or the batch was cancelled (the doc shows which). */
  batchFinished(batch: BatchDoc): Promise<void>;
}
