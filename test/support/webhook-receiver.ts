import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP endpoint for webhook tests, on 127.0.0.1 and a free port. It records every
 * request and answers each one from a script, so a test can say "fail twice, then accept"
 * and wait for exactly the traffic it expects, without sleeping.
 */

/** How the receiver answers one request. Unscripted requests get 200 `ok`. */
export interface ScriptedReply {
  /** @defaultValue 200 */
  status?: number;
  headers?: Record<string, string>;
  /** @defaultValue 'ok' */
  body?: string;
  /** Read the request, then never answer (until close()): for timeouts. */
  hang?: boolean;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. '/hooks?x=1'. */
  path: string;
  /** Lower-cased header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The raw body exactly as received, decoded as UTF-8: what a signature covers. */
  body: string;
  /** When the request line arrived. */
  receivedAt: Date;
}

export interface WebhookReceiver {
  /** Base URL, e.g. 'http://127.0.0.1:41234'; any path is accepted. */
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far: 0 proves that a refused attempt never connected. */
  readonly connectionCount: number;
  /** Every complete request so far, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Queue replies for the next requests, in order (appends to what is still queued). */
  script(replies: readonly ScriptedReply[]): void;
  /** Resolves with the requests once `count` have arrived; rejects at the deadline. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly ReceivedRequest[]>;
  /** Stops listening and destroys every socket, hanging ones included. */
  close(): Promise<void>;
}

interface Waiter {
  count: number;
  resolve: (requests: readonly ReceivedRequest[]) => void;
  reject: (error: Error) => void;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const waiters = new Set<Waiter>();
  const sockets = new Set<Socket>();
  let connectionCount = 0;

  const server: Server = createServer((req, res) => {
    const receivedAt = new Date();
    const reply = queue.shift() ?? {};
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt,
      });
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.delete(waiter);
          waiter.resolve([...requests]);
        }
      }
      if (reply.hang) return;
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body ?? 'ok');
    });
  });
  server.on('connection', (socket: Socket) => {
    connectionCount += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connectionCount() {
      return connectionCount;
    },
    requests,
    script(replies) {
      queue.push(...replies);
    },
    waitFor(count, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          count,
          resolve: (received) => {
            clearTimeout(timer);
            resolve(received);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          waiter.reject(new Error(`webhook receiver: ${requests.length} of ${count} requests arrived within ${timeoutMs}ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async close() {
      // A test still waiting would otherwise hold its timer open until the deadline.
      for (const waiter of waiters) waiter.reject(new Error('webhook receiver closed'));
      waiters.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
