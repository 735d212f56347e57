import { abortableSleep, AiError, backoffDelayMs, DEFAULT_MAX_RETRY_AFTER_MS } from '../../src/ai/index.js';

const fixed = (value: number) => () => value;

describe('backoffDelayMs', () => {
  const opts = { baseMs: 100, maxMs: 1_000 };

  it('is full jitter: uniform between 0 and the exponential ceiling', () => {
    expect(backoffDelayMs(1, { ...opts, random: fixed(0) })).toBe(0);
    expect(backoffDelayMs(1, { ...opts, random: fixed(0.5) })).toBe(50);
    expect(backoffDelayMs(2, { ...opts, random: fixed(0.5) })).toBe(100);
    expect(backoffDelayMs(3, { ...opts, random: fixed(0.5) })).toBe(200);
    expect(backoffDelayMs(3, { ...opts, random: fixed(0.999999) })).toBe(399);
  });

  it('caps the ceiling at maxMs, even for huge attempt numbers', () => {
    expect(backoffDelayMs(5, { ...opts, random: fixed(0.5) })).toBe(500);
    expect(backoffDelayMs(20, { ...opts, random: fixed(0.5) })).toBe(500);
    expect(backoffDelayMs(5_000, { ...opts, random: fixed(0.5) })).toBe(500);
  });

  it('tolerates a random source outside [0, 1)', () => {
    expect(backoffDelayMs(1, { ...opts, random: fixed(1) })).toBeLessThan(100);
    expect(backoffDelayMs(1, { ...opts, random: fixed(-3) })).toBe(0);
    expect(backoffDelayMs(1, { ...opts, random: fixed(Number.NaN) })).toBe(0);
  });

  it('never waits less than the provider asked (Retry-After), but jitter may add more', () => {
    expect(backoffDelayMs(1, { ...opts, random: fixed(0) }, 300)).toBe(300);
    expect(backoffDelayMs(4, { ...opts, random: fixed(0.9) }, 300)).toBe(720);
    expect(backoffDelayMs(1, { ...opts, random: fixed(0) }, 0)).toBe(0);
  });

  it('clamps an absurd Retry-After to maxRetryAfterMs (default 60 s)', () => {
    expect(backoffDelayMs(1, { ...opts, random: fixed(0) }, 10_000_000)).toBe(DEFAULT_MAX_RETRY_AFTER_MS);
    expect(backoffDelayMs(1, { ...opts, maxRetryAfterMs: 2_000, random: fixed(0) }, 10_000)).toBe(2_000);
  });

  it('stays within bounds with the real random source', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelayMs(attempt, opts);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(1_000, 100 * 2 ** (attempt - 1)));
      }
    }
  });

  it('rejects nonsense loudly', () => {
    expect(() => backoffDelayMs(0, opts)).toThrow(RangeError);
    expect(() => backoffDelayMs(1.5, opts)).toThrow(RangeError);
    expect(() => backoffDelayMs(1, { baseMs: 500, maxMs: 100 })).toThrow(RangeError);
    expect(() => backoffDelayMs(1, { baseMs: -1, maxMs: 100 })).toThrow(RangeError);
  });
});

describe('abortableSleep', () => {
  it('resolves after the delay', async () => {
    const started = Date.now();
    await abortableSleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects with CANCELLED as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ code: 'CANCELLED', retryable: false });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rejects at once for an already aborted signal', async () => {
    await expect(abortableSleep(60_000, AbortSignal.abort())).rejects.toBeInstanceOf(AiError);
  });
});
