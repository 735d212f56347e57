/** Turns whatever stopped a step into the stored JobError (code, message, retryable). */
import { isAiError } from '../ai/index.js';
import type { JobErrorDoc } from '../db/job-docs.js';
import { BudgetExceededError } from './budget-exceeded-error.js';
import { InvalidJobInputError } from './pipeline.js';

export function toJobError(err: unknown, step: string | null): JobErrorDoc {
  const at = new Date();
  if (isAiError(err)) {
    return { code: err.code, message: err.message, retryable: err.retryable, step, at };
  }
  if (err instanceof BudgetExceededError) {
    return { code: 'BUDGET_EXCEEDED', message: err.message, retryable: false, step, at };
  }
  if (err instanceof InvalidJobInputError) {
    return { code: 'INVALID_INPUT', message: err.message, retryable: false, step, at };
  }
  // An unexpected error (a bug, the database briefly away): another attempt may succeed.
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `internal error: ${message}`, retryable: true, step, at };
}

export const cancelledJobError = (step: string | null): JobErrorDoc => ({
  code: 'CANCELLED',
  message: 'the job was cancelled',
  retryable: false,
  step,
  at: new Date(),
});

export const jobTimeoutError = (timeoutMs: number, step: string | null): JobErrorDoc => ({
  code: 'TIMEOUT',
  message: `the attempt ran past JOB_TIMEOUT_MS (${timeoutMs} ms)`,
  retryable: true,
  step,
  at: new Date(),
});

/** Exponential delay with full jitter for whole-job retries: attempt 1 → up to base, 2 → 2×base … */
export function jobRetryDelayMs(failedAttempt: number, baseMs: number, random = Math.random): number {
  const cap = baseMs * 2 ** Math.min(failedAttempt - 1, 10);
  return Math.round(baseMs / 2 + random() * (cap - baseMs / 2));
}
