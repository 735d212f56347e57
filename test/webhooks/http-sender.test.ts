import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createWebhookSender, type WebhookSender } from '../../src/webhooks/http-sender.js';
import { generateSecret } from '../../src/webhooks/secret.js';
import { webhookHeaders } from '../../src/webhooks/signing.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// Every request here goes to the receiver on 127.0.0.1; "outside" host names are mapped
// by an injected lookup and are never resolved for real.

const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: {} });
const secret = generateSecret();
const signed = (): Record<string, string> => ({
  ...webhookHeaders({ msgId: 'msg_test', timestamp: new Date(), body, secrets: [secret] }),
});

/** A connect-time lookup that maps every host name to 127.0.0.1 (a DNS rebinding attacker). */
const rebindToLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

let receiver: WebhookReceiver;
let sender: WebhookSender | undefined;
const open = (options: Parameters<typeof createWebhookSender>[0]): WebhookSender => {
  sender = createWebhookSender(options);
  return sender;
};

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await sender?.close();
  sender = undefined;
  await receiver.close();
});

describe('createWebhookSender against a real receiver (allowPrivate)', () => {
  it('POSTs the signed body and reports a 2xx as ok', async () => {
    receiver.script([{ status: 204, body: '' }]);
    const headers = signed();
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: `${receiver.url}/hooks?x=1`, headers, body });
    expect(outcome).toEqual({
      ok: true,
      statusCode: 204,
      durationMs: expect.any(Number),
      error: null,
      responseBody: '',
      retryAfter: null,
      gone: false,
    });
    const [request] = await receiver.waitFor(1);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/hooks?x=1');
    expect(request!.body).toBe(body);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('ai-jobs-webhooks/1');
    expect(new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).toEqual(JSON.parse(body));
  });

  it('keeps the response body of a success', async () => {
    receiver.script([{ status: 200, body: 'thanks' }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: true, statusCode: 200, responseBody: 'thanks' });
  });

  it('reports a 500 as a failure with its status and the start of its body', async () => {
    receiver.script([{ status: 500, body: 'database on fire' }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: 500, error: 'non-2xx status 500', responseBody: 'database on fire', gone: false });
  });

  it('does not follow a 302, and counts it as a failure', async () => {
    receiver.script([{ status: 302, headers: { location: `${receiver.url}/elsewhere` } }, { status: 200 }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: `${receiver.url}/start`, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: 302, error: 'redirect 302 not followed' });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/start']);
  });

  it('marks a 410 as gone', async () => {
    receiver.script([{ status: 410, body: 'unsubscribed' }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: 410, gone: true, error: 'non-2xx status 410' });
  });

  it('surfaces Retry-After of a 429', async () => {
    receiver.script([{ status: 429, headers: { 'retry-after': '1' } }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: 429, retryAfter: '1', error: 'non-2xx status 429' });
  });

  it('gives up on a receiver that never answers at timeoutMs', async () => {
    receiver.script([{ hang: true }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 300 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'timeout after 300ms', responseBody: null });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(295);
    expect(outcome.durationMs).toBeLessThan(2_000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('bounds the body read by the same limit, keeping the status', async () => {
    // Headers arrive at once, then the body never ends.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const outcome = await open({ allowPrivate: true, timeoutMs: 300 }).send({ url: `http://127.0.0.1:${port}/`, headers: signed(), body });
      expect(outcome).toMatchObject({ ok: false, statusCode: 200, error: 'timeout after 300ms' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps at most 1 KiB of the response body', async () => {
    receiver.script([{ status: 500, body: 'x'.repeat(10 * 1024) }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome.statusCode).toBe(500);
    expect(outcome.responseBody).toBe('x'.repeat(1024));
  });

  it('drops a multi-byte character cut at the limit instead of garbling it', async () => {
    // 1 + 2 × 1000 bytes: the cut at 1024 falls inside an 'é'.
    receiver.script([{ status: 200, body: `a${'é'.repeat(1000)}` }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome.responseBody).toBe(`a${'é'.repeat(511)}`);
  });

  it('honours a smaller maxResponseBytes', async () => {
    receiver.script([{ status: 200, body: '0123456789' }]);
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000, maxResponseBytes: 4 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome.responseBody).toBe('0123');
  });

  it('reports a closed port as connection refused', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: `http://127.0.0.1:${port}/`, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'connection refused', responseBody: null });
  });

  it('reports a caller abort as an outcome', async () => {
    receiver.script([{ hang: true }]);
    const controller = new AbortController();
    const pending = open({ allowPrivate: true, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body, signal: controller.signal });
    await receiver.waitFor(1);
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, error: 'aborted' });
  });

  it('turns a malformed URL into an outcome', async () => {
    const s = open({ allowPrivate: true, timeoutMs: 5_000 });
    expect(await s.send({ url: 'ftp://127.0.0.1/', headers: signed(), body })).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid url: scheme ftp/) });
    expect(await s.send({ url: 'nope', headers: signed(), body })).toMatchObject({ ok: false, error: 'invalid url: not a valid absolute URL' });
  });

  it('uses the injected lookup at connect time', async () => {
    const outcome = await open({ allowPrivate: true, timeoutMs: 5_000, lookup: rebindToLoopback }).send({
      url: `http://hooks.example.com:${receiver.port}/via-dns`,
      headers: signed(),
      body,
    });
    expect(outcome.ok).toBe(true);
    expect(receiver.requests.map((r) => [r.path, r.headers.host])).toEqual([['/via-dns', `hooks.example.com:${receiver.port}`]]);
  });
});

describe('createWebhookSender refusing private addresses at connect time', () => {
  it('blocks a literal 127.0.0.1 before any connection', async () => {
    const outcome = await open({ allowPrivate: false, timeoutMs: 5_000 }).send({ url: receiver.url, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'blocked address 127.0.0.1: address is not public', responseBody: null, gone: false });
    expect(receiver.connectionCount).toBe(0);
    expect(receiver.requests).toHaveLength(0);
  });

  it('blocks a literal [::1] before any connection', async () => {
    const outcome = await open({ allowPrivate: false, timeoutMs: 5_000 }).send({ url: `http://[::1]:${receiver.port}/`, headers: signed(), body });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'blocked address ::1: address is not public' });
  });

  it('blocks a host name that resolves to loopback at connect time (DNS rebinding)', async () => {
    const outcome = await open({ allowPrivate: false, timeoutMs: 5_000, lookup: rebindToLoopback }).send({
      url: `http://hooks.example.com:${receiver.port}/`,
      headers: signed(),
      body,
    });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'blocked: hooks.example.com: address is not public' });
    expect(receiver.connectionCount).toBe(0);
  });

  it('blocks localhost resolved by the system', async () => {
    const outcome = await open({ allowPrivate: false, timeoutMs: 5_000 }).send({ url: `http://localhost:${receiver.port}/`, headers: signed(), body });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBe('blocked: localhost: address is not public');
    expect(receiver.connectionCount).toBe(0);
  });

  it('keeps refusing on later attempts through the same sender', async () => {
    const s = open({ allowPrivate: false, timeoutMs: 5_000 });
    for (let i = 0; i < 3; i++) {
      expect((await s.send({ url: receiver.url, headers: signed(), body })).error).toBe('blocked address 127.0.0.1: address is not public');
    }
    expect(receiver.connectionCount).toBe(0);
  });
});

describe('createWebhookSender lifecycle', () => {
  it('never throws after close', async () => {
    const s = createWebhookSender({ allowPrivate: true, timeoutMs: 1_000 });
    await s.close();
    const outcome = await s.send({ url: receiver.url, headers: signed(), body });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toEqual(expect.any(String));
  });

  it('refuses nonsensical options loudly', () => {
    expect(() => createWebhookSender({ allowPrivate: true, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createWebhookSender({ allowPrivate: true, timeoutMs: 1_000, maxResponseBytes: -1 })).toThrow(RangeError);
  });
});
