/**
 * Stored documents → GraphQL objects. JSON text fields are parsed here, at the edge;
 * ids the field resolvers need (batchId, tenantId) ride along as plain properties that
 * the schema does not expose.
 */
import { type BatchView, batchProgressMessage, makeProgress } from '../jobs/index.js';
import type { JobDoc, JobEventDoc, StepDoc, StepReviewDoc, StepSnapshotDoc, UsageDoc } from '../db/jobs/index.js';
import type { Batch, Job, JobEvent, JobStep, StepReview, Usage } from '../schema/index.js';
import { traceIdOf } from '../tracing/index.js';

export type JobObject = Job & { batchId: string | null };
/** A Batch without `usage`, which Batch.usage's field resolver fills in. */
export type BatchObject = Omit<Batch, 'usage'>;

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** Usage stored before the cache counts existed lacks them: they are 0; before the realtime cost was counted, it equals the cost. */
export function toUsage(u: UsageDoc): Usage {
  const realtimeCostUsd = u.realtimeCostUsd === undefined ? u.costUsd : u.realtimeCostUsd;
  const savedUsd = realtimeCostUsd === null || u.costUsd === null ? null : Math.max(0, Math.round((realtimeCostUsd - u.costUsd) * 1e9) / 1e9);
  return { ...u, cachedCalls: u.cachedCalls ?? 0, cachedPromptTokens: u.cachedPromptTokens ?? 0, realtimeCostUsd, savedUsd };
}

/** A StepReview, with what its callbackUrl resolver needs riding along (not in the schema). */
export type StepReviewObject = StepReview & { jobId: string; stepName: string; doc: StepReviewDoc };

export function toStepReview(r: StepReviewDoc, jobId: string, stepName: string): StepReviewObject {
  return {
    key: r.key,
    instructions: r.instructions,
    output: parseJson(r.output),
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt,
    onTimeout: r.onTimeout,
    answer: r.answer ? { ...r.answer, output: parseJson(r.answer.output) } : null,
    jobId,
    stepName,
    doc: r,
  };
}

export function toJobStep(s: StepDoc | StepSnapshotDoc, jobId: string): JobStep {
  return {
    index: s.index,
    name: s.name,
    status: s.status,
    message: s.message,
    progress: s.progress,
    attempts: s.attempts,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.durationMs,
    output: 'output' in s ? parseJson(s.output) : null,
    error: s.error,
    usage: toUsage(s.usage),
    model: s.model ?? null,
    review: s.review ? toStepReview(s.review, jobId, s.name) : null,
  };
}

export function toJobObject(doc: JobDoc): JobObject {
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    batchId: doc.batchId,
    kind: doc.kind,
    status: doc.status,
    input: parseJson(doc.input),
    result: parseJson(doc.result),
    error: doc.error,
    progress: doc.progress,
    steps: doc.steps.map((s) => toJobStep(s, doc._id)),
    attempt: doc.attempt,
    maxAttempts: doc.maxAttempts,
    priority: doc.priority,
    idempotencyKey: doc.idempotencyKey,
    metadata: parseJson(doc.metadata),
    usage: toUsage(doc.usage),
    executionMode: doc.executionMode ?? 'REALTIME',
    cache: doc.cache === true,
    batchDeadline: doc.batchDeadline ?? null,
    batchFallback: doc.batchFallback?.reason ?? null,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
    runAt: doc.runAt ?? null,
    scheduleId: doc.scheduleId ?? null,
    traceId: traceIdOf(doc.trace),
  };
}

export function toJobEvent(doc: JobEventDoc): JobEvent {
  return {
    id: doc._id,
    jobId: doc.jobId,
    sequence: doc.sequence,
    type: doc.type,
    at: doc.at,
    step: doc.step ? toJobStep(doc.step, doc.jobId) : null,
    progress: doc.progress,
    message: doc.message,
    traceId: doc.traceId ?? null,
    agent: doc.agent ? { ...doc.agent, arguments: parseJson(doc.agent.arguments), result: parseJson(doc.agent.result) } : null,
  };
}

export function toBatch(view: BatchView): BatchObject {
  const { doc, counts } = view;
  const finished = counts.SUCCEEDED + counts.FAILED + counts.CANCELLED;
  return {
    id: doc._id,
    status: view.status,
    total: doc.total,
    // Waiting for a start time counts as queued; waiting for a review or the provider's batch, as running (under way).
    queued: counts.QUEUED + counts.RETRYING + counts.SCHEDULED,
    running: counts.RUNNING + counts.AWAITING_REVIEW + counts.AWAITING_BATCH,
    succeeded: counts.SUCCEEDED,
    failed: counts.FAILED,
    cancelled: counts.CANCELLED,
    cancelling: view.status === 'CANCELLED' ? doc.total - finished : 0,
    progress: makeProgress(finished, doc.total, batchProgressMessage(finished, doc.total)),
    idempotencyKey: doc.idempotencyKey,
    metadata: parseJson(doc.metadata),
    createdAt: doc.createdAt,
    finishedAt: doc.finishedAt,
  };
}
