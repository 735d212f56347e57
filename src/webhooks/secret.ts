import { randomBytes } from 'node:crypto';

/**
 * Endpoint secrets in the Standard Webhooks shape: `whsec_` + base64 of random bytes.
 * The receiver's library base64-decodes the part after the prefix and uses those bytes
 * as the HMAC key, so we must key our HMAC with exactly the same bytes.
 */

/** The prefix every secret carries, so a secret is recognisable in logs and config. */
export const SECRET_PREFIX = 'whsec_';

/** 32 bytes: inside the spec's 24–64 byte range, and the HMAC-SHA256 block size is plenty. */
const GENERATED_SECRET_BYTES = 32;

/** The spec's bounds for a secret's key length, in bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** Strict base64 (standard alphabet, padded): Buffer.from would silently accept garbage. */
export const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new random endpoint secret, e.g. `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw…`. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString('base64');
}

/**
 * The HMAC key of a secret: the base64-decoded part after `whsec_`.
 *
 * @throws TypeError when the secret is not `whsec_` + base64 of 24–64 bytes. The message
 * never contains the secret itself, so it is safe to log.
 */
export function secretKeyBytes(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError(`a webhook secret must start with "${SECRET_PREFIX}"`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !STRICT_BASE64.test(encoded)) {
    throw new TypeError(`a webhook secret must be "${SECRET_PREFIX}" followed by standard, padded base64`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new TypeError(
      `a webhook secret must encode ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${key.length}`,
    );
  }
  return key;
}
