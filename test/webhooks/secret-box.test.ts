/** The secret box on its own: AES-256-GCM sealing of endpoint secrets, no database. */
import { createSecretKey, randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError, SEALED_PREFIX, isSealed } from '../../src/webhooks/secret-box.js';
import { generateSecret } from '../../src/webhooks/secret.js';

const SEALED = /^enc:v1:([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

describe('with a key', () => {
  const key = randomBytes(32);
  const box = new SecretBox(createSecretKey(key));

  it('round-trips a secret through its stored form, which does not contain it', () => {
    const secret = generateSecret();
    const stored = box.seal(secret);
    expect(box.encrypts).toBe(true);
    expect(stored).toMatch(SEALED);
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
    const [, iv, sealed] = SEALED.exec(stored)!;
    expect(Buffer.from(iv!, 'base64')).toHaveLength(12);
    // The ciphertext is as long as the plaintext, plus the 16-byte tag.
    expect(Buffer.from(sealed!, 'base64')).toHaveLength(Buffer.byteLength(secret) + 16);
    expect(box.open(stored)).toBe(secret);
    // A Buffer key works the same as a KeyObject.
    expect(new SecretBox(key).open(stored)).toBe(secret);
  });

  it('uses a random IV: sealing the same secret twice gives two different values', () => {
    const secret = generateSecret();
    const a = box.seal(secret);
    const b = box.seal(secret);
    expect(a).not.toBe(b);
    expect(a.split(':')[2]).not.toBe(b.split(':')[2]);
    expect(box.open(a)).toBe(secret);
    expect(box.open(b)).toBe(secret);
  });

  it('refuses a tampered value, ciphertext, tag or IV alike', () => {
    const secret = generateSecret();
    const stored = box.seal(secret);
    const [, iv, sealed] = SEALED.exec(stored)!;
    const flip = (b64: string, at: number): string => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[at] = bytes[at]! ^ 0x01;
      return bytes.toString('base64');
    };
    const ciphertextLength = Buffer.from(sealed!, 'base64').length;
    for (const tampered of [
      `${SEALED_PREFIX}${iv}:${flip(sealed!, 0)}`, // ciphertext
      `${SEALED_PREFIX}${iv}:${flip(sealed!, ciphertextLength - 1)}`, // tag
      `${SEALED_PREFIX}${flip(iv!, 0)}:${sealed}`, // IV
    ]) {
      expect(() => box.open(tampered)).toThrow(SecretBoxError);
      expect(() => box.open(tampered)).toThrow(/could not be decrypted: wrong WEBHOOK_SECRET_KEY, or the stored value was altered/);
    }
    for (const malformed of [`${SEALED_PREFIX}`, `${SEALED_PREFIX}${iv}`, `${SEALED_PREFIX}${iv}:${sealed}:x`, `${SEALED_PREFIX}!!:${sealed}`, `${SEALED_PREFIX}${iv}:AAAA`]) {
      expect(() => box.open(malformed)).toThrow(/malformed/);
    }
  });

  it('refuses the wrong key, with a message that carries no secret material', () => {
    const secret = generateSecret();
    const stored = box.seal(secret);
    const otherKey = randomBytes(32);
    let error: unknown;
    try {
      new SecretBox(otherKey).open(stored);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretBoxError);
    const text = `${(error as Error).message} ${(error as Error).stack ?? ''}`;
    for (const material of [secret, secret.slice('whsec_'.length), stored, stored.slice(SEALED_PREFIX.length), key.toString('base64'), otherKey.toString('base64')]) {
      expect(text).not.toContain(material);
    }
  });

  it('binds the context: a value sealed for one endpoint does not open for another', () => {
    const secret = generateSecret();
    const stored = box.seal(secret, 'ep_one');
    expect(box.open(stored, 'ep_one')).toBe(secret);
    expect(() => box.open(stored, 'ep_two')).toThrow(SecretBoxError);
    expect(() => box.open(stored)).toThrow(SecretBoxError);
  });

  it('passes a plaintext value (stored before the key was set) through as it is', () => {
    const secret = generateSecret();
    expect(isSealed(secret)).toBe(false);
    expect(box.open(secret)).toBe(secret);
    expect(box.open(secret, 'ep_one')).toBe(secret);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/must be 32 bytes/);
    expect(() => new SecretBox(createSecretKey(randomBytes(31)))).toThrow(/must be 32 bytes/);
  });
});

describe('without a key', () => {
  const box = new SecretBox(undefined);

  it('stores secrets as given and opens plaintext as it is', () => {
    const secret = generateSecret();
    expect(box.encrypts).toBe(false);
    expect(box.seal(secret)).toBe(secret);
    expect(box.open(secret)).toBe(secret);
  });

  it('refuses a sealed value with a message naming WEBHOOK_SECRET_KEY and nothing secret', () => {
    const secret = generateSecret();
    const stored = new SecretBox(randomBytes(32)).seal(secret);
    expect(() => box.open(stored)).toThrow(SecretBoxError);
    expect(() => box.open(stored)).toThrow('an endpoint secret is encrypted but WEBHOOK_SECRET_KEY is not set');
  });
});
