/**
 * What one finished attempt means for its delivery: delivered, failed for good, or tried
 * again later and when. Pure, so the policy is tested apart from HTTP and the database;
 * any dispatcher can settle from the attempt row alone (also one a dead dispatcher left).
 */
import type { DeliveryChanges, WebhookDeliveryDoc, WebhookAttemptDoc } from '../db/webhooks/index.js';
import { parseRetryAfter } from '../errors/index.js';
import { nextAttemptDelay, type FailureKind } from './retry-schedule.js';

export interface SettlementPolicy {
  /** Delay before each attempt, the first included (WEBHOOK_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** ±share of each retry delay, e.g. 0.2. */
  jitter: number;
  /** Retry-After is honoured up to this long. */
  maxRetryAfterMs: number;
  /** The least delay after a timeout or a 429 (capped by the schedule's longest delay). */
  throttleFloorMs: number;
  random?: () => number;
}

/** The statuses whose Retry-After the contract honours. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** How the schedule sees a failure: timeouts and 429s get a real break. */
export function failureKindOf(attempt: Pick<WebhookAttemptDoc, 'statusCode' | 'error'>): FailureKind {
  if (attempt.statusCode === 429) return 'rate_limited';
  if (attempt.statusCode === null && attempt.error?.startsWith('timeout') === true) return 'timeout';
  return 'other';
}

/**
 * The delivery's new fields after `attempt` (which has an outcome). A delivery that was
 * failed meanwhile (endpoint deleted or disabled) stays failed unless this attempt
 * succeeded: a message the receiver accepted is delivered, whatever happened around it.
 */
export function settleAttempt(
  delivery: Pick<WebhookDeliveryDoc, 'status' | 'scheduleStart' | 'failureReason'>,
  attempt: WebhookAttemptDoc,
  policy: SettlementPolicy,
): DeliveryChanges {
  const at = attempt.finishedAt ?? attempt.at;
  const done = { nextAttemptAt: null, manualNext: false } as const;
  if (attempt.ok === true) return { ...done, status: 'SUCCEEDED', deliveredAt: at, failureReason: null };
  if (delivery.status !== 'PENDING') {
    return { ...done, status: 'FAILED', failureReason: delivery.failureReason ?? 'delivery stopped' };
  }
  if (attempt.statusCode === 410) {
    return { ...done, status: 'FAILED', failureReason: 'the endpoint answered 410 Gone' };
  }
  const retryAfterMs =
    attempt.statusCode !== null && RETRY_AFTER_STATUSES.has(attempt.statusCode)
      ? parseRetryAfter(attempt.retryAfter, at.getTime())
      : undefined;
  const attemptsMade = attempt.number - delivery.scheduleStart;
  const delay = nextAttemptDelay({
    schedule: policy.schedule,
    // A redelivery that raced an attempt in flight could leave this below 1; never below.
    attemptsMade: Math.max(1, attemptsMade),
    jitter: policy.jitter,
    maxRetryAfterMs: policy.maxRetryAfterMs,
    throttleFloorMs: policy.throttleFloorMs,
    failureKind: failureKindOf(attempt),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(policy.random ? { random: policy.random } : {}),
  });
  if (delay === null) {
    return {
      ...done,
      status: 'FAILED',
      failureReason: `every scheduled attempt failed (${Math.max(1, attemptsMade)} of ${policy.schedule.length}; last: ${attempt.error ?? 'unknown error'})`,
    };
  }
  const next = new Date(at.getTime() + delay);
  return { status: 'PENDING', nextAttemptAt: next, manualNext: false };
}
