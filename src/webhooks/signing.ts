import { createHmac } from 'node:crypto';
import { secretKeyBytes } from './secret.js';

/**
 * Standard Webhooks v1 signatures: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`,
 * keyed with the decoded secret. We sign with node:crypto rather than the `standardwebhooks`
 * package's `Webhook#sign` (a pure-JS SHA-256 behind a CommonJS module): same bytes, native
 * speed, and no CJS interop in the hot path. The tests prove the package's `verify` accepts
 * what we produce, so the two cannot drift apart unnoticed.
 */

export interface SignInput {
  /** The message id: the same on every retry and redelivery of one message. */
  msgId: string;
  /** When this attempt is sent: a Date or Unix seconds. Fractions are floored, as receivers do. */
  timestamp: Date | number;
  /** The exact raw body that goes on the wire; a re-serialised body would not verify. */
  body: string;
  /**
   * The endpoint's current secrets, newest first. During a rotation there are two, and the
   * header carries one signature per secret so receivers holding either secret accept it.
   */
  secrets: readonly string[];
}

/** The headers of one signed delivery attempt, named as on the wire. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
}

/** Unix seconds of a Date or of a number of seconds; rejects values no receiver would accept. */
export function unixSeconds(timestamp: Date | number): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : Math.floor(timestamp);
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`a webhook timestamp must be a valid, non-negative time, not ${String(timestamp)}`);
  }
  return seconds;
}

/**
 * The `webhook-signature` value: `v1,<base64>` per secret, joined by a single space, in
 * the order given (newest first).
 *
 * @throws TypeError for an empty msgId, no secrets, or a malformed secret.
 */
export function signPayload({ msgId, timestamp, body, secrets }: SignInput): string {
  if (msgId.length === 0) throw new TypeError('a webhook message id must not be empty');
  if (secrets.length === 0) throw new TypeError('signing a webhook needs at least one secret');
  const signedContent = `${msgId}.${unixSeconds(timestamp)}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKeyBytes(secret)).update(signedContent, 'utf8').digest('base64')}`)
    .join(' ');
}

/** All headers of a signed attempt; the timestamp header and the signature use the same second. */
export function webhookHeaders(input: SignInput): WebhookHeaders {
  const seconds = unixSeconds(input.timestamp);
  return {
    'webhook-id': input.msgId,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signPayload({ ...input, timestamp: seconds }),
    'content-type': 'application/json',
  };
}
