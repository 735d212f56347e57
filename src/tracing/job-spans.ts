/**
 * The spans of a job's life outside AI calls: the submission (a child of the request's
 * span, whose context is stored with the job), each attempt in a worker (a child of that
 * stored context, so every process and every retry joins one trace, linked to the attempt
 * before it), and each step of an attempt.
 */
import { SpanKind, type Span } from '@opentelemetry/api';
import * as A from './genai-attributes.js';
import { inSpan } from './spans.js';
import { captureTraceContext, contextOf, linkSpanTo, linkTo, traceIdOf, type StoredTraceContext } from './trace-context.js';

/** A job's stored trace: the submission's context, and the last attempt's (for links). */
export interface JobTrace extends StoredTraceContext {
  lastAttempt?: StoredTraceContext | null;
}

/** `submitJob`, `analyzeDocuments`, `retryJob`: the domain call a request makes. */
export function traceSubmission<T>(operation: string, tenantId: string, work: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(operation, { kind: SpanKind.INTERNAL, attributes: { [A.AI_JOBS_TENANT_ID]: tenantId } }, work);
}

/** Names the job on a request's span, and links it to the job's trace when that is another one (a replay, a retry). */
export function noteJob(span: Span, job: { _id: string; trace?: StoredTraceContext | null }): void {
  span.setAttribute(A.AI_JOBS_JOB_ID, job._id);
  if (job.trace && traceIdOf(job.trace) !== span.spanContext().traceId) linkSpanTo(span, job.trace);
}

/** Names the batch a request's span made. */
export function noteBatch(span: Span, batchId: string): void {
  span.setAttribute(A.AI_JOBS_BATCH_ID, batchId);
}

export interface AttemptInfo {
  jobId: string;
  kind: string;
  tenantId: string;
  attempt: number;
  trace: JobTrace | null | undefined;
}

/**
 * One attempt of a job in a worker: its parent is the submission's stored context (which
 * ended long ago), and it links to the attempt before it (a retry, or a run cut short).
 */
export function traceAttempt<T>(info: AttemptInfo, work: () => Promise<T>): Promise<T> {
  return inSpan(
    `job ${info.kind}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextOf(info.trace),
      links: linkTo(info.trace?.lastAttempt, { 'ai_jobs.link': 'previous attempt' }),
      attributes: { [A.AI_JOBS_JOB_ID]: info.jobId, [A.AI_JOBS_JOB_KIND]: info.kind, [A.AI_JOBS_TENANT_ID]: info.tenantId, [A.AI_JOBS_ATTEMPT]: info.attempt },
    },
    () => work(),
  );
}

/**
 * The trace to store when an attempt starts (call inside its span): the job's existing
 * submission context (or this attempt's, when the job was submitted untraced) and this
 * attempt as the last one. Null when tracing is off: nothing is written.
 */
export function attemptTrace(existing: JobTrace | null | undefined): JobTrace | null {
  const current = captureTraceContext();
  if (current === null) return null;
  const base = existing ?? current;
  return { traceparent: base.traceparent, tracestate: base.tracestate, lastAttempt: current };
}

export function traceStep<T>(jobId: string, step: string, index: number, work: () => Promise<T>): Promise<T> {
  return inSpan(`step ${step}`, { attributes: { [A.AI_JOBS_JOB_ID]: jobId, [A.AI_JOBS_STEP]: step, [A.AI_JOBS_STEP_INDEX]: index } }, () => work());
}
