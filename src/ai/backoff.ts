/**
 * Delay before the next try of an AI call: exponential backoff with FULL jitter
 * (uniform in [0, min(maxMs, baseMs * 2^(attempt-1))]), which spreads a crowd of workers
 * that were rate limited together instead of having them return in lockstep.
 */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay, in ms. */
  baseMs: number;
  /** Largest ceiling the exponential part may reach, in ms. */
  maxMs: number;
  /**
   * Largest provider hint (Retry-After) obeyed, in ms; a longer hint is clamped to this so
   * a misbehaving endpoint cannot park a worker for hours.
   * @defaultValue 60000
   */
  maxRetryAfterMs?: number;
  /** Uniform in [0, 1); injectable for tests. @defaultValue Math.random */
  random?: () => number;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/**
 * @param attempt the number of tries already made (1 after the first failure).
 * @param retryAfterMs the provider's hint; the delay is never shorter than it (after clamping).
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions, retryAfterMs?: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  if (!(opts.baseMs >= 0) || !(opts.maxMs >= opts.baseMs)) {
    throw new RangeError(`backoff needs 0 <= baseMs <= maxMs, got ${opts.baseMs} and ${opts.maxMs}`);
  }
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
  const random = opts.random ?? Math.random;
  const jittered = Math.floor(clamp01(random()) * ceiling);
  if (retryAfterMs === undefined || !(retryAfterMs >= 0)) return jittered;
  const hint = Math.min(Math.ceil(retryAfterMs), opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
  return Math.max(jittered, hint);
}

function clamp01(x: number): number {
  if (!(x >= 0)) return 0;
  return x >= 1 ? 1 - Number.EPSILON : x;
}
