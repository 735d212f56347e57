/** retrying.ts on its own: every way an attempt can stop, and the outcome it decides. */
import { AiError } from '../../../src/ai/index.js';
import { BudgetExceededError } from '../../../src/jobs/ai-control/index.js';
import { LeaseLostError } from '../../../src/jobs/lifecycle/index.js';
import { decideAttempt, type RetryPolicy } from '../../../src/jobs/run/retrying.js';

const policy: RetryPolicy = { retryDelayMs: 1000, jobTimeoutMs: 5000, showInternalErrors: false, random: () => 0 };
const first = { attempt: 1, maxAttempts: 3, step: 'summarize' };
const last = { attempt: 3, maxAttempts: 3, step: 'summarize' };

it('leaves a job whose lease was lost or whose lease could not be kept', () => {
  expect(decideAttempt(new LeaseLostError('gone'), undefined, first, policy)).toEqual({ action: 'leave', why: 'lease-lost' });
  expect(decideAttempt(new Error('x'), 'lease-lost', first, policy)).toEqual({ action: 'leave', why: 'lease-not-kept' });
});

it('releases on drain and cancels with CANCELLED on a cancel request', () => {
  expect(decideAttempt(new Error('x'), 'drain', first, policy)).toEqual({ action: 'release' });
  expect(decideAttempt(new Error('x'), 'cancelled', first, policy)).toMatchObject({ action: 'cancel', error: { code: 'CANCELLED', step: 'summarize' } });
});

it('retries a timeout with attempts left, after the policy delay, and fails it on the last attempt', () => {
  expect(decideAttempt(new Error('x'), 'timeout', first, policy)).toMatchObject({ action: 'retry', delayMs: 500, nextAttempt: 2, error: { code: 'TIMEOUT' } });
  expect(decideAttempt(new Error('x'), 'timeout', last, policy)).toMatchObject({ action: 'fail', error: { code: 'TIMEOUT' } });
});

it('follows an AI error retryability and never retries a budget refusal', () => {
  expect(decideAttempt(new AiError('RATE_LIMITED', 'slow', { retryable: true }), undefined, first, policy)).toMatchObject({ action: 'retry', error: { code: 'RATE_LIMITED' } });
  expect(decideAttempt(new AiError('CONTENT_POLICY', 'no', { retryable: false }), undefined, first, policy)).toMatchObject({ action: 'fail', error: { code: 'CONTENT_POLICY' } });
  const budget = decideAttempt(new BudgetExceededError('over'), undefined, first, policy);
  expect(budget).toMatchObject({ action: 'fail', error: { code: 'BUDGET_EXCEEDED' } });
  expect(budget).not.toHaveProperty('unexpected');
});

it('retries a bug as INTERNAL and hands its error on with the reference the stored message names', () => {
  const bug = new Error('boom at 10.0.0.1');
  const outcome = decideAttempt(bug, undefined, first, policy);
  expect(outcome).toMatchObject({ action: 'retry', error: { code: 'INTERNAL' } });
  if (outcome.action !== 'retry') throw new Error('expected a retry');
  expect(outcome.unexpected?.err).toBe(bug);
  expect(outcome.error.message).toContain(outcome.unexpected!.ref);
  expect(outcome.error.message).not.toContain('10.0.0.1');
});
