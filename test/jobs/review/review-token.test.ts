/** The review callback token (pure): signed claims that verify, and every way one does not. */
import { createHmac, randomBytes } from 'node:crypto';
import { signReviewToken, verifyReviewToken, type ReviewClaims } from '../../../src/jobs/review/review-token.js';

const key = randomBytes(32);
const now = new Date('2026-12-01T12:00:00Z');
const claims: ReviewClaims = { job: 'job-1', step: 'draft', key: 'review', round: 0, exp: now.getTime() + 60_000 };

test('a signed token verifies to its claims until it expires', () => {
  const token = signReviewToken(key, claims);
  expect(token).toMatch(/^rv1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  expect(verifyReviewToken(key, token, now)).toEqual({ claims });
  expect(verifyReviewToken(key, token, new Date(claims.exp!))).toEqual({ problem: 'expired' });
  const forever = signReviewToken(key, { ...claims, exp: null });
  expect(verifyReviewToken(key, forever, new Date('2099-01-01'))).toEqual({ claims: { ...claims, exp: null } });
});

test('another key, changed claims, a changed signature or garbage do not verify', () => {
  const token = signReviewToken(key, claims);
  expect(verifyReviewToken(randomBytes(32), token, now)).toEqual({ problem: 'signature' });
  const [prefix, , signature] = token.split('.');
  const otherClaims = Buffer.from(JSON.stringify({ ...claims, job: 'job-2' })).toString('base64url');
  expect(verifyReviewToken(key, `${prefix}.${otherClaims}.${signature}`, now)).toEqual({ problem: 'signature' });
  expect(verifyReviewToken(key, `${token.slice(0, -2)}AA`, now)).toEqual({ problem: 'signature' });
  for (const bad of ['', 'rv1', 'rv1..', 'rv2.a.b', 'x'.repeat(5000), `${token}.extra`]) expect(verifyReviewToken(key, bad, now)).toHaveProperty('problem');
});

test('claims of the wrong shape are malformed even when signed', () => {
  const body = Buffer.from(JSON.stringify({ job: 1, step: 'a', key: 'k', round: 0, exp: null })).toString('base64url');
  const mac = createHmac('sha256', key).update(`rv1.${body}`).digest('base64url');
  expect(verifyReviewToken(key, `rv1.${body}.${mac}`, now)).toEqual({ problem: 'malformed' });
});
