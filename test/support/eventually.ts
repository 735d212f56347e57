/**
 * The tests' bounded waits: a poll that asks again until a condition holds, and a deadline on
 * a promise. Never a fixed sleep; each fails naming what was awaited once its deadline passes.
 */

/** Polls `probe` until it returns a value other than undefined/false; fails at the deadline. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Polls `fn` until it returns a value for which `pred` holds (any value, falsy ones too). */
export async function pollUntil<T>(fn: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  let last: T | undefined;
  const [value] = await eventually(
    async () => {
      last = await fn();
      return pred(last) ? ([last] as const) : undefined;
    },
    () => `the condition; last value: ${JSON.stringify(last)?.slice(0, 2000)}`,
    timeoutMs,
    everyMs,
  );
  return value;
}

/** The promise's value, or a rejection naming `what` once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
