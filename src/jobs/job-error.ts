/** Turns whatever stopped a step into the stored JobError (code, message, retryable). */
import { isAiError } from '../ai/index.js';
import type { JobErrorDoc } from '../db/job-docs.js';
import { InvalidJobInputError } from './pipeline.js';

export function toJobError(err: unknown, step: string | null): JobErrorDoc {
  const at = new Date();
  if (isAiError(err)) {
    return { code: err.code, message: err.message, retryable: err.retryable, step, at };
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

/**
 * Delay before a whole-job retry: uniform between half the base and base × 2^(attempt−1)
 * (attempt 1 → base/2…base, 2 → base/2…2×base, growth stopping at 2^10), so retries spread out
 * yet none comes back at once.
 */
export function jobRetryDelayMs(failedAttempt: number, baseMs: number, random = Math.random): number {
  const cap = baseMs * 2 ** Math.min(failedAttempt - 1, 10);
  return Math.round(baseMs / 2 + random() * (cap - baseMs / 2));
}
