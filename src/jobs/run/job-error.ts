/** Turns whatever stopped a step into the stored JobError (code, message, retryable). */
import { randomBytes } from 'node:crypto';
import { isAiError } from '../../ai/index.js';
import type { JobErrorDoc } from '../../db/jobs/index.js';
import { BudgetExceededError } from '../ai-control/index.js';
import { AgentDefinitionError, AgentMaxTurnsError } from '../agents/index.js';
import { InvalidJobInputError } from '../pipelines/index.js';
import { ReviewRejectedError } from '../review/index.js';

/** A reference that ties a stored INTERNAL error to the log line holding its detail. */
export const internalErrorRef = (): string => `err_${randomBytes(6).toString('hex')}`;

/**
 * `internal`: how an unexpected error is stored. Outside development its raw message (which
 * may name hosts, collections or paths) stays in the log, and the job carries only `ref`.
 */
export function toJobError(err: unknown, step: string | null, internal: { showDetail: boolean; ref: string } = { showDetail: false, ref: internalErrorRef() }): JobErrorDoc {
  const at = new Date();
  if (isAiError(err)) {
    return { code: err.code, message: err.message, retryable: err.retryable, step, at };
  }
  if (err instanceof BudgetExceededError) {
    return { code: 'BUDGET_EXCEEDED', message: err.message, retryable: false, step, at };
  }
  if (err instanceof AgentMaxTurnsError) {
    return { code: 'AGENT_MAX_TURNS', message: err.message, retryable: false, step, at };
  }
  // The step's own code defines its agent wrongly: another attempt would fail alike, and the message names no secret.
  if (err instanceof AgentDefinitionError) {
    return { code: 'INTERNAL', message: err.message, retryable: false, step, at };
  }
  if (err instanceof ReviewRejectedError) {
    return { code: 'REVIEW_REJECTED', message: err.message, retryable: false, step, at };
  }
  if (err instanceof InvalidJobInputError) {
    return { code: 'INVALID_INPUT', message: err.message, retryable: false, step, at };
  }
  // An unexpected error (a bug, the database briefly away): another attempt may succeed.
  const message = internal.showDetail ? `internal error: ${err instanceof Error ? err.message : String(err)}` : `internal error (reference ${internal.ref})`;
  return { code: 'INTERNAL', message, retryable: true, step, at };
}

export const jobTimeoutError = (timeoutMs: number, step: string | null): JobErrorDoc => ({
  code: 'TIMEOUT',
  message: `the attempt ran past JOB_TIMEOUT_MS (${timeoutMs} ms)`,
  retryable: true,
  step,
  at: new Date(),
});
