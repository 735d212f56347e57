import { Webhook } from 'standardwebhooks';
import { generateSecret, secretKeyBytes } from '../../src/webhooks/secret.js';
import { signPayload, webhookHeaders } from '../../src/webhooks/signing.js';

// The reference receiver is the `standardwebhooks` package itself: whatever we sign, its
// `verify` must accept, or real receivers would reject our deliveries.

const body = JSON.stringify({ type: 'job.succeeded', timestamp: '2024-01-01T00:00:00.000Z', data: { job: { id: 'j1' } } });

describe('generateSecret / secretKeyBytes', () => {
  it('makes whsec_ + base64 of 32 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKeyBytes(secret)).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });

  it('decodes exactly the bytes the reference library keys its HMAC with', () => {
    const secret = generateSecret();
    const key = secretKeyBytes(secret);
    expect(key.toString('base64')).toBe(secret.slice('whsec_'.length));
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 1).toString('base64')],
    ['empty', 'whsec_'],
    ['not base64', 'whsec_!!!!notbase64!!!!notbase64!!!!notbase64'],
    ['unpadded', `whsec_${Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '')}`],
    ['too short (16 bytes)', `whsec_${Buffer.alloc(16, 1).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
  ])('refuses a malformed secret: %s, without echoing it', (_name, secret) => {
    expect(() => secretKeyBytes(secret)).toThrow(TypeError);
    try {
      secretKeyBytes(secret);
    } catch (error) {
      const tail = secret.slice('whsec_'.length);
      if (tail.length > 0) expect((error as Error).message).not.toContain(tail);
    }
  });

  it('accepts the spec bounds, 24 and 64 bytes', () => {
    expect(secretKeyBytes(`whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toHaveLength(24);
    expect(secretKeyBytes(`whsec_${Buffer.alloc(64, 7).toString('base64')}`)).toHaveLength(64);
  });
});

describe('signPayload', () => {
  it('matches the published Standard Webhooks test vector', () => {
    const signature = signPayload({
      msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('equals the reference library’s own signature', () => {
    const secret = generateSecret();
    const at = new Date('2024-05-01T12:00:00.999Z');
    expect(signPayload({ msgId: 'msg_1', timestamp: at, body, secrets: [secret] })).toBe(
      new Webhook(secret).sign('msg_1', at, body),
    );
  });

  it('is accepted by standardwebhooks verify with a single secret', () => {
    const secret = generateSecret();
    const headers = webhookHeaders({ msgId: 'msg_single', timestamp: new Date(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('during a rotation carries both signatures, newest first, each accepted on its own', () => {
    const newSecret = generateSecret();
    const oldSecret = generateSecret();
    const headers = webhookHeaders({ msgId: 'msg_rot', timestamp: new Date(), body, secrets: [newSecret, oldSecret] });
    const parts = headers['webhook-signature'].split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(signPayload({ msgId: 'msg_rot', timestamp: Number(headers['webhook-timestamp']), body, secrets: [newSecret] }));
    expect(parts[1]).toBe(signPayload({ msgId: 'msg_rot', timestamp: Number(headers['webhook-timestamp']), body, secrets: [oldSecret] }));
    expect(new Webhook(newSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(oldSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow('No matching signature');
  });

  it('is rejected for a changed body, id or timestamp', () => {
    const secret = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders({ msgId: 'msg_x', timestamp: now, body, secrets: [secret] });
    const wh = new Webhook(secret);
    expect(() => wh.verify(`${body} `, { ...headers })).toThrow();
    expect(() => wh.verify(body, { ...headers, 'webhook-id': 'msg_y' })).toThrow();
    expect(() => wh.verify(body, { ...headers, 'webhook-timestamp': String(now - 1) })).toThrow();
  });

  it('signs non-ASCII bodies over their UTF-8 bytes', () => {
    const secret = generateSecret();
    const text = JSON.stringify({ summary: 'Zusammenfassung – 要約 🚀' });
    const headers = webhookHeaders({ msgId: 'msg_utf8', timestamp: new Date(), body: text, secrets: [secret] });
    expect(new Webhook(secret).verify(text, { ...headers })).toEqual(JSON.parse(text));
    expect(new Webhook(secret).verify(Buffer.from(text, 'utf8'), { ...headers })).toEqual(JSON.parse(text));
  });

  it('refuses an empty message id or no secret', () => {
    expect(() => signPayload({ msgId: '', timestamp: 1, body, secrets: [generateSecret()] })).toThrow(TypeError);
    expect(() => signPayload({ msgId: 'm', timestamp: 1, body, secrets: [] })).toThrow(TypeError);
    expect(() => signPayload({ msgId: 'm', timestamp: Number.NaN, body, secrets: [generateSecret()] })).toThrow(RangeError);
    expect(() => signPayload({ msgId: 'm', timestamp: new Date('nope'), body, secrets: [generateSecret()] })).toThrow(RangeError);
  });
});

describe('webhookHeaders', () => {
  it('gives the four wire headers, with Unix seconds floored from a Date', () => {
    const secret = generateSecret();
    const headers = webhookHeaders({
      msgId: 'msg_h',
      timestamp: new Date('2024-05-01T12:00:00.999Z'),
      body,
      secrets: [secret],
    });
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe('msg_h');
    expect(headers['webhook-timestamp']).toBe('1714564800');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('floors fractional seconds the same way in the header and the signature', () => {
    const secret = generateSecret();
    const a = webhookHeaders({ msgId: 'm', timestamp: 1714564800.9, body, secrets: [secret] });
    const b = webhookHeaders({ msgId: 'm', timestamp: 1714564800, body, secrets: [secret] });
    expect(a).toEqual(b);
  });
});
