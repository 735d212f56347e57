/**
 * What the jobs domain tells the outside world: a job or batch finished, a review waits for
 * an answer. The webhook outbox implements it. Calls must be idempotent — they are repeated
 * for work whose live record says it is still owed after a crash.
 */
import type { BatchDoc, JobDoc, ReviewTimeoutActionValue } from '../../db/jobs/index.js';

/** A review that waits for an answer, as `job.review_requested` carries it. */
export interface ReviewRequestNotice {
  /** The step's name and the review's key within it. */
  step: string;
  key: string;
  /** The job's review round (a retry after a rejection asks again in the next one). */
  round: number;
  instructions: string | null;
  /** JSON text of what to review. */
  output: string;
  requestedAt: Date;
  expiresAt: Date | null;
  onTimeout: ReviewTimeoutActionValue | null;
  /** POST `{ decision, output?, comment? }` here to answer, without an API key; valid for this review only. */
  callbackUrl: string;
}

export interface JobNotifier {
  /** The job reached SUCCEEDED, FAILED or CANCELLED (the doc shows the final state). */
  jobFinished(job: JobDoc): Promise<void>;
  /** Every job of the batch finished, or the batch was cancelled (the doc shows which). */
  batchFinished(batch: BatchDoc): Promise<void>;
  /** A step's output waits for a review (the job is AWAITING_REVIEW). */
  reviewRequested(job: JobDoc, review: ReviewRequestNotice): Promise<void>;
}
