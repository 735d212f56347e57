import { parseRetryAfter } from '../../src/errors/index.js';
import { nextAttemptDelay, type NextAttemptInput } from '../../src/webhooks/retry-schedule.js';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;
// The contract's default: 0s,5s,5m,30m,2h,5h,10h,10h.
const schedule = [0, 5 * s, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h];

/** random() fixed at the middle of its range: no jitter at all. */
const mid = (): number => 0.5;
const base: NextAttemptInput = { schedule, attemptsMade: 0, jitter: 0.2, random: mid, maxRetryAfterMs: 24 * h };
const next = (over: Partial<NextAttemptInput>): number | null => nextAttemptDelay({ ...base, ...over });

describe('nextAttemptDelay: the schedule', () => {
  it('uses entry n before attempt n (entry 0 before the first attempt)', () => {
    expect(schedule.map((_, attemptsMade) => next({ attemptsMade }))).toEqual(schedule);
  });

  it('returns null once every scheduled attempt has been made', () => {
    expect(next({ attemptsMade: schedule.length })).toBeNull();
    expect(next({ attemptsMade: schedule.length + 5 })).toBeNull();
    expect(next({ schedule: [0], attemptsMade: 1 })).toBeNull();
  });

  it('honours a non-zero first delay exactly', () => {
    expect(next({ schedule: [1500, 2000], attemptsMade: 0, random: () => 0 })).toBe(1500);
  });
});

describe('nextAttemptDelay: jitter', () => {
  it('never jitters the first attempt', () => {
    expect(next({ schedule: [10 * s], attemptsMade: 0, random: () => 0 })).toBe(10 * s);
    expect(next({ schedule: [10 * s], attemptsMade: 0, random: () => 0.999 })).toBe(10 * s);
  });

  it('spreads later delays by ±20%: random 0 gives -20%, random→1 gives +20%', () => {
    expect(next({ attemptsMade: 1, random: () => 0 })).toBe(4 * s);
    expect(next({ attemptsMade: 1, random: () => 0.999999 })).toBe(6 * s);
    expect(next({ attemptsMade: 2, random: () => 0 })).toBe(4 * m);
    expect(next({ attemptsMade: 2, random: () => 0.75 })).toBe(5.5 * m);
  });

  it('stays inside the band for any random value', () => {
    for (let attemptsMade = 1; attemptsMade < schedule.length; attemptsMade++) {
      for (let i = 0; i < 200; i++) {
        const delay = next({ attemptsMade, random: Math.random })!;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(schedule[attemptsMade]! * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(schedule[attemptsMade]! * 1.2));
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('with jitter 0 returns the schedule exactly', () => {
    expect(next({ attemptsMade: 3, jitter: 0, random: () => 0 })).toBe(30 * m);
  });

  it('uses Math.random when no random is given', () => {
    const { random: _omit, ...withoutRandom } = base;
    const delay = nextAttemptDelay({ ...withoutRandom, attemptsMade: 1 })!;
    expect(delay).toBeGreaterThanOrEqual(4 * s);
    expect(delay).toBeLessThanOrEqual(6 * s);
  });
});

describe('nextAttemptDelay: Retry-After', () => {
  it('is honoured when longer than the scheduled delay', () => {
    expect(next({ attemptsMade: 1, retryAfterMs: 120 * s })).toBe(120 * s);
  });

  it('is ignored when shorter: a receiver cannot make us retry sooner', () => {
    expect(next({ attemptsMade: 2, retryAfterMs: 1 * s })).toBe(5 * m);
    expect(next({ attemptsMade: 2, retryAfterMs: 0 })).toBe(5 * m);
  });

  it('compares against the jittered delay', () => {
    // jittered: 5m * 1.2 = 6m; Retry-After 5.5m is shorter, so the jittered delay stands.
    expect(next({ attemptsMade: 2, random: () => 0.999999, retryAfterMs: 5.5 * m })).toBe(6 * m);
    // jittered: 5m * 0.8 = 4m; Retry-After 4.5m is longer, so it wins.
    expect(next({ attemptsMade: 2, random: () => 0, retryAfterMs: 4.5 * m })).toBe(4.5 * m);
  });

  it('is capped at maxRetryAfterMs', () => {
    expect(next({ attemptsMade: 1, retryAfterMs: 7 * 24 * h, maxRetryAfterMs: 1 * h })).toBe(1 * h);
  });

  it('never shortens the schedule even when the cap is below the scheduled delay', () => {
    expect(next({ attemptsMade: 6, retryAfterMs: 20 * h, maxRetryAfterMs: 1 * h })).toBe(10 * h);
  });

  it('does not revive an exhausted schedule', () => {
    expect(next({ attemptsMade: schedule.length, retryAfterMs: 10 * s })).toBeNull();
  });
});

describe('nextAttemptDelay: after a timeout or a 429', () => {
  it('waits at least 60 s by default', () => {
    expect(next({ attemptsMade: 1, failureKind: 'timeout' })).toBe(60 * s);
    expect(next({ attemptsMade: 1, failureKind: 'rate_limited' })).toBe(60 * s);
    expect(next({ attemptsMade: 1, failureKind: 'other' })).toBe(5 * s);
    expect(next({ attemptsMade: 1 })).toBe(5 * s);
  });

  it('leaves longer delays alone', () => {
    expect(next({ attemptsMade: 2, failureKind: 'timeout' })).toBe(5 * m);
  });

  it('takes the floor from throttleFloorMs', () => {
    expect(next({ attemptsMade: 1, failureKind: 'timeout', throttleFloorMs: 10 * s })).toBe(10 * s);
    expect(next({ attemptsMade: 1, failureKind: 'timeout', throttleFloorMs: 0 })).toBe(5 * s);
  });

  it('never raises a delay above the schedule’s largest entry (short test schedules stay short)', () => {
    const short = [0, 50, 100, 200];
    expect(next({ schedule: short, attemptsMade: 1, failureKind: 'timeout', jitter: 0 })).toBe(200);
    expect(next({ schedule: short, attemptsMade: 3, failureKind: 'rate_limited', jitter: 0 })).toBe(200);
  });

  it('combines with Retry-After: the longer wins', () => {
    expect(next({ attemptsMade: 1, failureKind: 'rate_limited', retryAfterMs: 30 * s })).toBe(60 * s);
    expect(next({ attemptsMade: 1, failureKind: 'rate_limited', retryAfterMs: 90 * s })).toBe(90 * s);
  });
});

describe('nextAttemptDelay: malformed input', () => {
  it.each<[string, Partial<NextAttemptInput>]>([
    ['an empty schedule', { schedule: [] }],
    ['a negative entry', { schedule: [0, -1] }],
    ['a NaN entry', { schedule: [0, Number.NaN] }],
    ['an infinite entry', { schedule: [0, Number.POSITIVE_INFINITY] }],
    ['negative attemptsMade', { attemptsMade: -1 }],
    ['fractional attemptsMade', { attemptsMade: 1.5 }],
    ['jitter of 1', { jitter: 1 }],
    ['negative jitter', { jitter: -0.1 }],
    ['NaN jitter', { jitter: Number.NaN }],
    ['negative maxRetryAfterMs', { maxRetryAfterMs: -1 }],
    ['negative retryAfterMs', { retryAfterMs: -5 }],
    ['NaN retryAfterMs', { retryAfterMs: Number.NaN }],
    ['negative throttleFloorMs', { throttleFloorMs: -5 }],
  ])('throws a RangeError for %s', (_name, over) => {
    expect(() => next(over)).toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2015-10-21T07:28:00.000Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 1 ', now)).toBe(1_000);
  });

  it('clamps an absurd number of seconds to a finite value', () => {
    const huge = parseRetryAfter('9'.repeat(400), now)!;
    expect(Number.isFinite(huge)).toBe(true);
    expect(huge).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads an IMF-fixdate relative to now', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:30:00 GMT', now)).toBe(120_000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:30 2015', now)).toBe(30_000);
    expect(parseRetryAfter('Wed Oct  1 07:28:30 2015', Date.parse('2015-10-01T07:28:00Z'))).toBe(30_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', '   ', '-1', '1.5', '1e3', 'soon', '2015-10-21T07:30:00Z', 'Wed, 21 Oct 2015 07:30:00', 'Wed, 99 Foo 2015 07:30:00 GMT'])(
    'is undefined for %p',
    (header) => {
      expect(parseRetryAfter(header, now)).toBeUndefined();
    },
  );
});
