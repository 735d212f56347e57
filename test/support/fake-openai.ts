/**
 * A real HTTP server that speaks enough of the OpenAI Chat Completions API for tests:
 * it answers `POST /v1/chat/completions`, records every request, and plays scripted
 * failures (status codes, refusals, hangs, dropped connections). Usable from jest or from
 * a separate process via `startFakeOpenAi()`.
 *
 * Reply selection, per request: the next scripted reply (`script`), else the handler
 * (`onRequest`), else the default answer.
 */
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { completionBody, type FakeReply, fakeErrors, parseBody, type RecordedRequest, streamEvents } from './fake-openai-replies.js';
import { createFakeBatches, type FakeBatches } from './fake-openai-batches.js';

export { fakeErrors, type FakeChatBody, type FakeReply, type FakeToolCall, type RecordedRequest } from './fake-openai-replies.js';
export type { FakeBatch, FakeBatches, FakeFile, FakeLineHandler } from './fake-openai-batches.js';

export type FakeHandler = (req: RecordedRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface FakeOpenAiOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
}

export interface FakeOpenAi {
  /** e.g. `http://127.0.0.1:41234/v1` — pass as the SDK's baseURL. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request so far, in order of arrival (live: entries update as connections close). */
  readonly requests: readonly RecordedRequest[];
  /** The Files and Batch API: uploaded files, batches, their lines, and knobs (fake-openai-batches.ts). */
  readonly batches: FakeBatches;
  requestsMatching(pred: (req: RecordedRequest) => boolean): RecordedRequest[];
  /** Queue replies for the next requests, in order (appends to what is queued). */
  script(replies: FakeReply[]): void;
  /** Decide replies for requests the script does not cover; `undefined` → default answer. */
  onRequest(handler: FakeHandler | null): void;
  /**
   * The reply for requests naming `model` that neither the script nor the handler decide
   * (null forgets it): per-model answers, prices and speeds.
   */
  byModel(model: string, reply: FakeReply | null): void;
  /** Resolves when `pred()` holds (re-checked on every request event); rejects after `timeoutMs`. */
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets requests, script and handler; requests still unanswered (hanging) are dropped. */
  reset(): void;
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

export async function startFakeOpenAi(opts: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  let handler: FakeHandler | null = null;
  const perModel = new Map<string, FakeReply>();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = (): void => void events.emit('change');
  let completionCount = 0;
  /** Responses whose connection the fake itself dropped, so they do not count as client closes. */
  const dropped = new WeakSet<http.ServerResponse>();
  /** Requests still waiting for an answer (hanging or delayed): `reset()` drops only these. */
  const open = new Set<http.ServerResponse>();
  const batchRoutes = createFakeBatches();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const record: RecordedRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0]!,
        headers: req.headers,
        body: parseBody(rawBody),
        rawBody,
        receivedAt: Date.now(),
        clientClosed: false,
      };
      requests.push(record);
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        record.clientClosed = !res.writableFinished && !dropped.has(res);
        record.endedAt = Date.now();
        changed();
      });
      changed();
      void respond(record, req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: { message: String(err), type: 'fake_error' } });
      });
    });
  });

  async function respond(record: RecordedRequest, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      send(res, fakeErrors.unauthorized(), record, 0);
      return;
    }
    if (await batchRoutes.handle(record, req, res)) return;
    if (record.method !== 'POST' || record.path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `Unknown route ${record.method} ${record.path}`, type: 'invalid_request_error' } });
      return;
    }
    const model = typeof record.body?.model === 'string' ? record.body.model : '';
    const reply = queue.shift() ?? (handler ? await handler(record) : undefined) ?? perModel.get(model) ?? {};
    if (reply.delayMs && reply.delayMs > 0) await waitOrClose(res, reply.delayMs);
    if (res.destroyed || res.writableEnded) return;
    if (reply.destroySocket) {
      dropped.add(res);
      req.socket.destroy();
      return;
    }
    if (reply.hang) return; // left open; close() or the client ends it
    const streamed = record.body?.stream === true && (reply.status ?? 200) < 400 && reply.body === undefined;
    if (streamed) await sendStream(res, reply, record, completionCount++);
    else send(res, reply, record, completionCount++);
  }

  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://${address}:${port}/v1`,
    port,
    requests,
    batches: batchRoutes,
    requestsMatching: (pred) => requests.filter(pred),
    script: (replies) => void queue.push(...replies),
    onRequest: (h) => void (handler = h),
    byModel: (model, reply) => void (reply ? perModel.set(model, reply) : perModel.delete(model)),
    waitFor: (pred, timeoutMs = 5_000) => waitFor(events, pred, timeoutMs),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      handler = null;
      perModel.clear();
      batchRoutes.reset();
      completionCount = 0;
      // Idle keep-alive sockets stay: destroying them would race the client's next request
      // onto a dead socket and turn it into a spurious connection error.
      for (const res of open) res.socket?.destroy();
      open.clear();
    },
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function send(res: http.ServerResponse, reply: FakeReply, record: RecordedRequest, n: number): void {
  const status = reply.status ?? 200;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body !== undefined) return sendJson(res, status, reply.body);
  if (status >= 400) return sendJson(res, status, { error: { message: `fake error ${status}`, type: 'fake_error', code: null } });
  sendJson(res, status, completionBody(reply, record, n));
}

/** A streamed answer as server-sent events, one piece per word, `chunkDelayMs` apart. */
async function sendStream(res: http.ServerResponse, reply: FakeReply, record: RecordedRequest, n: number): Promise<void> {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of streamEvents(reply, record, n)) {
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(event)}\n\n`);
    if (reply.chunkDelayMs && reply.chunkDelayMs > 0) await waitOrClose(res, reply.chunkDelayMs);
  }
  if (!res.destroyed) res.end('data: [DONE]\n\n');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** Resolves after `ms`, or early once the response is closed by either side. */
function waitOrClose(res: http.ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

function waitFor(events: EventEmitter, pred: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pred()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`fake-openai: condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      events.off('change', check);
    };
    events.on('change', check);
    check();
  });
}
