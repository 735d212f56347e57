/**
 * The one place a stopped attempt's fate is decided: a pure function from why it stopped,
 * which attempt it was and the retry policy to an outcome, which the runner then carries
 * out. Nothing here writes or waits, so every branch is tested directly.
 */
import { isAiError } from '../../ai/index.js';
import type { JobErrorDoc } from '../../db/jobs/index.js';
import { isTransientDbError } from '../../db/transient-error.js';
import { LeaseLostError } from '../lifecycle/index.js';
import { BudgetExceededError } from '../ai-control/index.js';
import { AgentMaxTurnsError } from '../agents/index.js';
import { ReviewRejectedError } from '../review/index.js';
import { internalErrorRef, jobTimeoutError, toJobError } from './job-error.js';
import type { StopReason } from './interrupted.js';

export interface RetryPolicy {
  /** JOB_RETRY_DELAY_MS: the base of the whole-job retry delay. */
  retryDelayMs: number;
  /** JOB_TIMEOUT_MS, named in a timeout's error. */
  jobTimeoutMs: number;
  /** Store raw messages of unexpected errors on jobs (NODE_ENV=development only). */
  showInternalErrors: boolean;
  /** For tests: the jitter source. */
  random?: () => number;
}

export interface AttemptFacts {
  attempt: number;
  maxAttempts: number;
  /** The step that was running when the attempt stopped, if any. */
  step: string | null;
}

/** What the runner does with a stopped attempt. */
export type AttemptOutcome =
  /** Another process owns the job now (lease lost), or the database did not answer: write nothing. */
  | { action: 'leave'; why: 'lease-lost' | 'lease-not-kept' | 'database-unavailable' }
  /** Draining: give the job back at once for another worker. */
  | { action: 'release' }
  | { action: 'cancel'; error: JobErrorDoc }
  /** `unexpected`: a bug's error, logged with its stack under the reference the stored error names. */
  | { action: 'retry'; error: JobErrorDoc; delayMs: number; nextAttempt: number; unexpected?: Unexpected }
  | { action: 'fail'; error: JobErrorDoc; unexpected?: Unexpected };

export interface Unexpected {
  err: unknown;
  ref: string;
}

/**
 * `interruption` is the RunInterrupted reason found on the error or the abort signal
 * (interrupted.ts); `err` is whatever the step threw.
 */
export function decideAttempt(err: unknown, interruption: StopReason | undefined, facts: AttemptFacts, policy: RetryPolicy): AttemptOutcome {
  if (err instanceof LeaseLostError) return { action: 'leave', why: 'lease-lost' };
  switch (interruption) {
    case 'lease-lost':
      return { action: 'leave', why: 'lease-not-kept' };
    case 'drain':
      return { action: 'release' };
    case 'cancelled':
      return { action: 'cancel', error: cancelledJobError(facts.step) };
    case 'timeout':
      return failOrRetry(jobTimeoutError(policy.jobTimeoutMs, facts.step), facts, policy);
    case undefined:
      // Not a step failure: the job stays RUNNING under a lease that runs out, and the
      // lost-work sweep resumes it from its checkpoints.
      if (isTransientDbError(err)) return { action: 'leave', why: 'database-unavailable' };
      {
        // An AI error, a budget refusal or a rejected review is expected and told by its code; anything else
        // is a bug worth its stack, logged under the reference the stored error carries.
        const expected = isAiError(err) || err instanceof BudgetExceededError || err instanceof AgentMaxTurnsError || err instanceof ReviewRejectedError;
        const ref = internalErrorRef();
        const error = toJobError(err, facts.step, { showDetail: policy.showInternalErrors, ref });
        return failOrRetry(error, facts, policy, expected ? undefined : { err, ref });
      }
  }
}

function failOrRetry(error: JobErrorDoc, facts: AttemptFacts, policy: RetryPolicy, unexpected?: Unexpected): AttemptOutcome {
  const extra = unexpected === undefined ? {} : { unexpected };
  if (error.retryable && facts.attempt < facts.maxAttempts) {
    return { action: 'retry', error, delayMs: jobRetryDelayMs(facts.attempt, policy.retryDelayMs, policy.random), nextAttempt: facts.attempt + 1, ...extra };
  }
  return { action: 'fail', error, ...extra };
}

/**
 * Delay before a whole-job retry: uniform between half the base and base × 2^(attempt−1)
 * (attempt 1 → base/2…base, 2 → base/2…2×base, growth stopping at 2^10), so retries spread out
 * yet none comes back at once.
 */
export function jobRetryDelayMs(failedAttempt: number, baseMs: number, random = Math.random): number {
  const cap = baseMs * 2 ** Math.min(failedAttempt - 1, 10);
  return Math.round(baseMs / 2 + random() * (cap - baseMs / 2));
}

export const cancelledJobError = (step: string | null): JobErrorDoc => ({
  code: 'CANCELLED',
  message: 'the job was cancelled',
  retryable: false,
  step,
  at: new Date(),
});
