/**
 * A graphql-transport-ws client at the level of frames, over a real `ws` WebSocket: it
 * keeps every message exactly as it arrived (to compare bytes), and can stop reading its
 * TCP socket like a stalled browser tab (`pause()`), so that the server's writes pile up.
 */
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import WebSocket from 'ws';

export interface RawMessage {
  /** The message as received. */
  raw: string;
  type: string;
  id?: string;
  payload?: any;
}

export class RawGraphQLWs {
  readonly messages: RawMessage[] = [];
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly socket: WebSocket,
    private readonly tcp: Socket,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.notify();
    }));
    socket.on('message', (data) => {
      const raw = data.toString();
      const msg = JSON.parse(raw) as Omit<RawMessage, 'raw'>;
      this.messages.push({ raw, ...msg });
      this.notify();
    });
  }

  /** Opens a socket to `httpUrl` (its /graphql) and completes the connection_init handshake. */
  static async open(httpUrl: string, key: string, timeoutMs = 10_000): Promise<RawGraphQLWs> {
    let tcp: Socket | undefined;
    const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      // Keeps hold of the TCP socket, to stop reading it.
      createConnection: ((opts: NetConnectOpts) => (tcp = connect(opts))) as typeof connect,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawGraphQLWs(socket, tcp!);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    await client.until((ms) => ms.some((m) => m.type === 'connection_ack'), timeoutMs);
    return client;
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  /** The messages of one subscription. */
  of(id: string): RawMessage[] {
    return this.messages.filter((m) => m.id === id);
  }

  /** Stops reading from the TCP socket: what the server sends stays in the kernel, then in the server. */
  pause(): void {
    this.tcp.pause();
  }

  resume(): void {
    this.tcp.resume();
  }

  close(): void {
    this.socket.terminate();
  }

  /** Resolves when `pred(messages)` holds; rejects at the deadline or when the socket closed first. */
  until(pred: (messages: RawMessage[]) => boolean, timeoutMs = 30_000): Promise<RawMessage[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this.messages)) {
          done();
          resolve(this.messages);
        } else if (this.socket.readyState === WebSocket.CLOSED) {
          done();
          void this.closed.then(({ code, reason }) =>
            reject(new Error(`socket closed (${code} ${reason}) before the condition held; ${this.messages.length} messages, last: ${this.messages.at(-1)?.raw.slice(0, 300)}`)),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`condition not met within ${timeoutMs} ms; ${this.messages.length} messages, last: ${this.messages.at(-1)?.raw.slice(0, 300)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
