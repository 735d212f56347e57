/**
 * When to try a webhook delivery next: a pure function of configuration and what has
 * happened so far, so that the policy is unit-tested apart from any clock, queue or HTTP.
 * (Svix keeps its policy the same way; the numbers follow Standard Webhooks and Svix.)
 */

/** Why the last attempt failed, as far as the schedule cares. */
export type FailureKind = 'timeout' | 'rate_limited' | 'other';

export interface NextAttemptInput {
  /**
   * Delay before each attempt in ms, the first included: entry 0 is the delay before the
   * first attempt (usually 0), entry n the delay after attempt n failed. Its length is the
   * maximum number of attempts.
   */
  schedule: readonly number[];
  /** Attempts already made for this message (0 before the first). */
  attemptsMade: number;
  /**
   * Relative jitter applied to every delay after the first attempt, so that endpoints that
   * failed together are not all retried in the same instant. 0.2 means ±20%. In [0, 1).
   */
  jitter: number;
  /** Uniform in [0, 1); injectable for tests. @defaultValue Math.random */
  random?: () => number;
  /**
   * The receiver's own wish, from `Retry-After` (see parseRetryAfter in src/errors), in ms. Used
   * only when it is longer than the scheduled delay: a receiver cannot make us retry sooner.
   * The caller decides which responses it trusts this from (the contract: 429 and 503).
   */
  retryAfterMs?: number;
  /** The most a `Retry-After` can stretch one delay, so a receiver cannot park a message forever. */
  maxRetryAfterMs: number;
  /** Why the last attempt failed; a timeout or a 429 gets at least {@link throttleFloorMs}. */
  failureKind?: FailureKind;
  /**
   * The least delay after a timeout or a 429: an endpoint that is overloaded gets a real
   * break (Svix waits at least 60 s). Never more than the schedule's largest delay, so a
   * short schedule (in tests, or by choice) stays short. @defaultValue 60_000
   */
  throttleFloorMs?: number;
}

/** Svix's floor after a timeout or a 429. */
const DEFAULT_THROTTLE_FLOOR_MS = 60_000;

/**
 * The delay in ms before the next attempt, or null when the schedule is exhausted and the
 * message has failed for good.
 *
 * @throws RangeError for a malformed input (a programming error, not a delivery failure).
 */
export function nextAttemptDelay(input: NextAttemptInput): number | null {
  const { schedule, attemptsMade, jitter, random = Math.random, retryAfterMs, maxRetryAfterMs, failureKind = 'other' } =
    input;
  validate(input);
  if (attemptsMade >= schedule.length) return null;
  const scheduled = schedule[attemptsMade]!;
  // Nothing has failed before the first attempt: its delay is exact.
  if (attemptsMade === 0) return scheduled;

  let delay = Math.round(scheduled * (1 + jitter * (2 * random() - 1)));
  if (failureKind === 'timeout' || failureKind === 'rate_limited') {
    const floor = Math.min(input.throttleFloorMs ?? DEFAULT_THROTTLE_FLOOR_MS, Math.max(...schedule));
    delay = Math.max(delay, floor);
  }
  if (retryAfterMs !== undefined && retryAfterMs > delay) {
    delay = Math.max(delay, Math.min(retryAfterMs, maxRetryAfterMs));
  }
  return delay;
}

function validate(input: NextAttemptInput): void {
  const { schedule, attemptsMade, jitter, retryAfterMs, maxRetryAfterMs, throttleFloorMs } = input;
  if (schedule.length === 0) throw new RangeError('a retry schedule needs at least one entry');
  for (const entry of schedule) {
    if (!isDuration(entry)) throw new RangeError(`a retry schedule entry must be a finite ms count >= 0, not ${entry}`);
  }
  if (!Number.isSafeInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be an integer >= 0, not ${attemptsMade}`);
  }
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), not ${jitter}`);
  if (!isDuration(maxRetryAfterMs)) throw new RangeError(`maxRetryAfterMs must be >= 0, not ${maxRetryAfterMs}`);
  if (retryAfterMs !== undefined && !isDuration(retryAfterMs)) {
    throw new RangeError(`retryAfterMs must be >= 0, not ${retryAfterMs}`);
  }
  if (throttleFloorMs !== undefined && !isDuration(throttleFloorMs)) {
    throw new RangeError(`throttleFloorMs must be >= 0, not ${throttleFloorMs}`);
  }
}

function isDuration(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0;
}
