/**
 * What of a job's trace is stored where: the submission's context on the job, its trace
 * id on each event. Nothing at all while tracing is off (no field, no write).
 */
import type { JobDoc } from '../../db/jobs/index.js';
import { captureTraceContext, traceIdOf } from '../../tracing/index.js';

/** The trace context of the submission being served now, or undefined (tracing off). */
export function submissionTrace(): JobDoc['trace'] | undefined {
  return captureTraceContext() ?? undefined;
}

/** `{ traceId }` for an event of this job, or nothing when the job has no trace. */
export function traceIdField(job: Pick<JobDoc, 'trace'>): { traceId?: string } {
  const traceId = traceIdOf(job.trace);
  return traceId === null ? {} : { traceId };
}
