/**
 * The token of a review's callback URL: it lets whoever holds the URL (a Slack or e-mail
 * button) answer that one review without an API key. It names the job, the step, the review's
 * key and round, and when it expires (with the review's timeout; never when the review has
 * none), signed with HMAC-SHA256 under the service's review key. Pure functions: no clock
 * but the one given, no storage. That it is answered once is the answer store's business
 * (a unique `_id`), not the token's.
 *
 * Form: `rv1.<base64url of the JSON claims>.<base64url of the MAC>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ReviewClaims {
  /** The job's id. */
  job: string;
  /** The step's name. */
  step: string;
  /** The review's key within the step. */
  key: string;
  /** The job's review round when it was asked. */
  round: number;
  /** Expiry in ms since the epoch; null when the review waits without a timeout. */
  exp: number | null;
}

export type TokenProblem = 'malformed' | 'signature' | 'expired';

const PREFIX = 'rv1';
const MAX_TOKEN_LENGTH = 4_096;

const mac = (key: Buffer, body: string): Buffer => createHmac('sha256', key).update(`${PREFIX}.${body}`).digest();

export function signReviewToken(key: Buffer, claims: ReviewClaims): string {
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${PREFIX}.${body}.${mac(key, body).toString('base64url')}`;
}

/** The claims of a token signed with `key` that has not expired at `now`, or what is wrong with it. */
export function verifyReviewToken(key: Buffer, token: string, now: Date): { claims: ReviewClaims } | { problem: TokenProblem } {
  if (token.length > MAX_TOKEN_LENGTH) return { problem: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return { problem: 'malformed' };
  const [, body, signature] = parts as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'signature' };
  const claims = parseClaims(body);
  if (!claims) return { problem: 'malformed' };
  if (claims.exp !== null && claims.exp <= now.getTime()) return { problem: 'expired' };
  return { claims };
}

function parseClaims(body: string): ReviewClaims | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const c = value as Partial<ReviewClaims> | null;
  if (typeof c !== 'object' || c === null) return null;
  if (typeof c.job !== 'string' || typeof c.step !== 'string' || typeof c.key !== 'string') return null;
  if (!Number.isInteger(c.round) || (c.exp !== null && typeof c.exp !== 'number')) return null;
  return { job: c.job, step: c.step, key: c.key, round: c.round!, exp: c.exp ?? null };
}
