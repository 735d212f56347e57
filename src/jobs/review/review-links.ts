/**
 * Review callback URLs: `<PUBLIC_URL>/reviews/<token>`, the token signed with the review key
 * (review-token.ts). The key is derived (HKDF-SHA256) from WEBHOOK_SECRET_KEY, so every API
 * and worker process of a deployment signs and checks alike and the secret itself signs
 * nothing; without that variable (development) it is a random key stored once in the
 * database (`service_keys`). The key is never logged.
 */
import { hkdfSync, type KeyObject } from 'node:crypto';
import type { ServiceKeysRepository } from '../../db/jobs/index.js';
import { signReviewToken, verifyReviewToken, type ReviewClaims, type TokenProblem } from './review-token.js';

/** The path (under the API's address) that answers review callbacks. */
export const REVIEW_CALLBACK_PATH = '/reviews';

export class ReviewLinks {
  constructor(
    private readonly key: Buffer,
    /** The API's public base URL (PUBLIC_URL), read when a link is made. */
    private readonly baseUrl: () => string,
  ) {}

  url(claims: ReviewClaims): string {
    return `${this.baseUrl().replace(/\/+$/, '')}${REVIEW_CALLBACK_PATH}/${signReviewToken(this.key, claims)}`;
  }

  verify(token: string, now = new Date()): { claims: ReviewClaims } | { problem: TokenProblem } {
    return verifyReviewToken(this.key, token, now);
  }
}

/** The review key: derived from WEBHOOK_SECRET_KEY when set, else made once and stored. */
export async function reviewKey(secretKey: KeyObject | undefined, stored: ServiceKeysRepository): Promise<Buffer> {
  if (secretKey) return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'ai-jobs review callback v1', 32));
  return stored.getOrCreate('review-callback');
}
