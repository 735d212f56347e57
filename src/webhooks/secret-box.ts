/**
 * Encryption at rest of endpoint secrets (WEBHOOK_SECRET_KEY), as Svix does it: the
 * dispatcher needs the secret itself to sign, so it is encrypted rather than hashed.
 *
 * AES-256-GCM with a random 12-byte IV per seal; the stored form is
 * `enc:v1:<base64 iv>:<base64 ciphertext + 16-byte tag>`. A value without the `enc:v1:`
 * prefix is plaintext (stored before a key was set) and opens as it is; the next write of
 * it (a rotation) seals it. Without a key, seal stores the plaintext.
 *
 * An optional context (the endpoint id) is bound in as additional authenticated data, so
 * a sealed secret copied onto another endpoint's document does not open there.
 *
 * Errors never contain the secret, the stored value or the key.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { STRICT_BASE64 } from './secret.js';

export const SEALED_PREFIX = 'enc:v1:';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Opening a sealed secret failed: no key, the wrong key, or a damaged value. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/** True for a value in the sealed (`enc:v1:`) form. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

export class SecretBox {
  private readonly key: KeyObject | undefined;

  /** @param key WEBHOOK_SECRET_KEY (32 bytes); undefined stores secrets as given. */
  constructor(key: KeyObject | Buffer | undefined) {
    const keyObject = key === undefined || isKeyObject(key) ? key : createSecretKey(key);
    if (keyObject !== undefined && (keyObject.type !== 'secret' || keyObject.symmetricKeySize !== KEY_BYTES)) {
      throw new TypeError(`a secret box key must be ${KEY_BYTES} bytes`);
    }
    this.key = keyObject;
  }

  /** Whether secrets are encrypted when sealed. */
  get encrypts(): boolean {
    return this.key !== undefined;
  }

  /** The stored form of a secret: sealed with the key, or the plaintext when there is none. */
  seal(secret: string, context = ''): string {
    if (this.key === undefined) return secret;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${iv.toString('base64')}:${sealed.toString('base64')}`;
  }

  /**
   * The secret of a stored value: a plaintext value as it is, a sealed one decrypted.
   *
   * @throws SecretBoxError for a sealed value without a key, with the wrong key (or
   * context), or when the value is malformed or was altered.
   */
  open(stored: string, context = ''): string {
    if (!isSealed(stored)) return stored;
    if (this.key === undefined) {
      throw new SecretBoxError('an endpoint secret is encrypted but WEBHOOK_SECRET_KEY is not set');
    }
    const parts = stored.slice(SEALED_PREFIX.length).split(':');
    const [ivText, sealedText] = parts;
    if (parts.length !== 2 || ivText === undefined || sealedText === undefined || !STRICT_BASE64.test(ivText) || !STRICT_BASE64.test(sealedText)) {
      throw new SecretBoxError(`an encrypted endpoint secret is malformed (expected ${SEALED_PREFIX}<iv>:<ciphertext>)`);
    }
    const iv = Buffer.from(ivText, 'base64');
    const sealed = Buffer.from(sealedText, 'base64');
    if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) {
      throw new SecretBoxError('an encrypted endpoint secret is malformed (bad IV or ciphertext length)');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // Node's own message ("Unsupported state or unable to authenticate data") says little;
      // ours says what to check, and neither carries secret material.
      throw new SecretBoxError('an encrypted endpoint secret could not be decrypted: wrong WEBHOOK_SECRET_KEY, or the stored value was altered');
    }
  }
}

function isKeyObject(key: KeyObject | Buffer): key is KeyObject {
  return !Buffer.isBuffer(key);
}
