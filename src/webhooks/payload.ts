/**
 * The JSON bodies of webhook messages (the contract's "Webhooks on the wire"). A body is
 * built once, when the event is recorded, stored as text and sent byte for byte on every
 * attempt: the signature covers the exact bytes, and a receiver deduplicating by
 * webhook-id must see the same message each time.
 */
import type { BatchDoc, JobDoc, JobStatusValue } from '../db/jobs/index.js';
import type { ReviewRequestNotice } from '../jobs/index.js';
import type { WebhookEventType } from './event-types.js';

const parseOrNull = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function envelope(type: WebhookEventType, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

/**
 * `job.succeeded` / `job.failed` / `job.cancelled`. When the body would pass maxBytes,
 * `result` is left out and `resultOmitted: true` tells the receiver to fetch it through
 * GraphQL (a large body is slow to sign, send and store on every attempt).
 */
export function buildJobPayload(type: WebhookEventType, job: JobDoc, maxBytes: number): string {
  const at = job.finishedAt ?? new Date();
  const jobData = (result: { result: unknown } | { resultOmitted: true }) => ({
    id: job._id,
    kind: job.kind,
    status: job.status,
    ...result,
    error: job.error ? { ...job.error, at: job.error.at.toISOString() } : null,
    usage: job.usage,
    batchId: job.batchId,
    metadata: parseOrNull(job.metadata),
    createdAt: job.createdAt.toISOString(),
    finishedAt: iso(job.finishedAt),
  });
  const full = envelope(type, at, { job: jobData({ result: parseOrNull(job.result) }) });
  if (Buffer.byteLength(full, 'utf8') <= maxBytes) return full;
  return envelope(type, at, { job: jobData({ resultOmitted: true }) });
}

/**
 * `job.review_requested`: the job, what to review and the one-time `callbackUrl`. When the
 * body would pass maxBytes, the output is left out (`outputOmitted: true`): read it as
 * `job.steps[].review.output` through GraphQL.
 */
export function buildReviewPayload(job: JobDoc, review: ReviewRequestNotice, maxBytes: number): string {
  const jobData = {
    id: job._id,
    kind: job.kind,
    status: job.status,
    batchId: job.batchId,
    metadata: parseOrNull(job.metadata),
    createdAt: job.createdAt.toISOString(),
  };
  const reviewData = (output: { output: unknown } | { outputOmitted: true }) => ({
    step: review.step,
    key: review.key,
    instructions: review.instructions,
    ...output,
    requestedAt: review.requestedAt.toISOString(),
    expiresAt: iso(review.expiresAt),
    onTimeout: review.onTimeout,
    callbackUrl: review.callbackUrl,
  });
  const full = envelope('job.review_requested', review.requestedAt, { job: jobData, review: reviewData({ output: parseOrNull(review.output) }) });
  if (Buffer.byteLength(full, 'utf8') <= maxBytes) return full;
  return envelope('job.review_requested', review.requestedAt, { job: jobData, review: reviewData({ outputOmitted: true }) });
}

export interface BatchCounts {
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/**
 * The batch's counts as the Batch type shows them: a job waiting to retry or for its start
 * time is queued, one waiting for a review is running. Counts stored before a status existed
 * lack it: 0.
 */
export function batchCounts(byStatus: Readonly<Partial<Record<JobStatusValue, number>>>): BatchCounts {
  const n = (s: JobStatusValue): number => byStatus[s] ?? 0;
  return {
    queued: n('QUEUED') + n('RETRYING') + n('SCHEDULED'),
    running: n('RUNNING') + n('AWAITING_REVIEW'),
    succeeded: n('SUCCEEDED'),
    failed: n('FAILED'),
    cancelled: n('CANCELLED'),
  };
}

/** `batch.completed`: sent when every job finished or the batch was cancelled (see status). */
export function buildBatchPayload(batch: BatchDoc, counts: BatchCounts): string {
  return envelope('batch.completed', batch.finishedAt ?? new Date(), {
    batch: {
      id: batch._id,
      status: batch.status,
      total: batch.total,
      ...counts,
      metadata: parseOrNull(batch.metadata),
      createdAt: batch.createdAt.toISOString(),
      finishedAt: iso(batch.finishedAt),
    },
  });
}

/** `webhook.test`: `data` is empty by contract. */
export function buildTestPayload(at: Date): string {
  return envelope('webhook.test', at, {});
}
