/**
 * The JSON bodies of webhook messages (the contract's "Webhooks on the wire"). A body is
 * built once, when the event is recorded, stored as text and sent byte for byte on every
 * attempt: the signature covers the exact bytes, and a receiver deduplicating by
 * webhook-id must see the same message each time.
 */
import type { BatchDoc, JobDoc, JobStatusValue } from '../db/jobs/index.js';
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

export interface BatchCounts {
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** The batch's counts as the Batch type shows them: a job waiting to retry is queued. */
export function batchCounts(byStatus: Readonly<Record<JobStatusValue, number>>): BatchCounts {
  return {
    queued: byStatus.QUEUED + byStatus.RETRYING,
    running: byStatus.RUNNING,
    succeeded: byStatus.SUCCEEDED,
    failed: byStatus.FAILED,
    cancelled: byStatus.CANCELLED,
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
