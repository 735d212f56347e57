/** The settlement policy on its own: what one recorded attempt means for its delivery. */
import type { WebhookAttemptDoc } from '../../src/db/webhooks/attempts.repository.js';
import { failureKindOf, settleAttempt, type SettlementPolicy } from '../../src/webhooks/settlement.js';

const policy: SettlementPolicy = { schedule: [0, 1_000, 2_000], jitter: 0.2, maxRetryAfterMs: 10_000, throttleFloorMs: 60_000, random: () => 0.5 };
const at = new Date('2026-01-01T00:00:00.000Z');
const pending = { status: 'PENDING' as const, scheduleStart: 0, failureReason: null };
const attempt = (over: Partial<WebhookAttemptDoc>): WebhookAttemptDoc => ({
  _id: 'd:1', deliveryId: 'd', tenantId: 't', number: 1, at, trigger: 'scheduled', owner: 'o', finishedAt: at,
  ok: false, durationMs: 5, statusCode: 500, error: 'non-2xx status 500', responseBody: '', retryAfter: null, ...over,
});
const after = (ms: number): Date => new Date(at.getTime() + ms);

describe('settleAttempt', () => {
  it('marks a 2xx delivered', () => {
    expect(settleAttempt(pending, attempt({ ok: true, statusCode: 204, error: null }), policy)).toMatchObject({ status: 'SUCCEEDED', deliveredAt: at, nextAttemptAt: null });
  });

  it('schedules the next attempt from the schedule entry after the attempts made', () => {
    expect(settleAttempt(pending, attempt({}), policy)).toMatchObject({ status: 'PENDING', nextAttemptAt: after(1_000) });
    expect(settleAttempt(pending, attempt({ number: 2 }), policy)).toMatchObject({ nextAttemptAt: after(2_000) });
  });

  it('fails the delivery when the schedule is used up, counting from the last redelivery', () => {
    expect(settleAttempt(pending, attempt({ number: 3 }), policy)).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/3 of 3/) });
    expect(settleAttempt({ ...pending, scheduleStart: 3 }, attempt({ number: 4 }), policy)).toMatchObject({ status: 'PENDING', nextAttemptAt: after(1_000) });
  });

  it('honours Retry-After on 429 and 503 only, up to the cap', () => {
    const retryAfter = '5';
    expect(settleAttempt(pending, attempt({ statusCode: 503, retryAfter }), policy).nextAttemptAt).toEqual(after(5_000));
    expect(settleAttempt(pending, attempt({ statusCode: 500, retryAfter }), policy).nextAttemptAt).toEqual(after(1_000));
    expect(settleAttempt(pending, attempt({ statusCode: 429, retryAfter: '3600' }), policy).nextAttemptAt).toEqual(after(10_000));
  });

  it('gives a timeout or a 429 at least the throttle floor, capped by the longest scheduled delay', () => {
    expect(failureKindOf({ statusCode: null, error: 'timeout after 15000ms' })).toBe('timeout');
    expect(failureKindOf({ statusCode: 429, error: 'non-2xx status 429' })).toBe('rate_limited');
    expect(failureKindOf({ statusCode: null, error: 'connection refused' })).toBe('other');
    expect(settleAttempt(pending, attempt({ statusCode: null, error: 'timeout after 15000ms' }), policy).nextAttemptAt).toEqual(after(2_000));
  });

  it('fails a 410 at once', () => {
    expect(settleAttempt(pending, attempt({ statusCode: 410 }), policy)).toMatchObject({ status: 'FAILED', failureReason: 'the endpoint answered 410 Gone' });
  });

  it('keeps a delivery failed meanwhile (endpoint deleted) failed, unless the attempt got through', () => {
    const stopped = { status: 'FAILED' as const, scheduleStart: 0, failureReason: 'endpoint deleted' };
    expect(settleAttempt(stopped, attempt({}), policy)).toMatchObject({ status: 'FAILED', failureReason: 'endpoint deleted' });
    expect(settleAttempt(stopped, attempt({ ok: true, statusCode: 200 }), policy)).toMatchObject({ status: 'SUCCEEDED' });
  });
});
