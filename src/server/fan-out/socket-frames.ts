/**
 * What one WebSocket is sent for its subscriptions: ready `next` messages, the payload
 * built once for its shape and only framed here with the subscription's id. Nothing waits
 * on a socket: a frame is handed to the kernel, or to the socket's own buffer when the
 * kernel's is full, and the next socket is served at once.
 *
 * That buffer is bounded. A socket holding more than `maxBufferedBytes` not yet sent when
 * another frame is due has a reader that does not keep up (a stalled tab, a lost network):
 * it is sent nothing more and closed with 1013 Try Again Later. Its reader gets every frame
 * written before, then the close; clients reconnect on 1013 (graphql-ws treats it as
 * retryable) and ours resubscribe with `afterSequence`, so a `jobEvents` watch misses
 * nothing. A socket's memory is thus at most the bound and one frame (MAX_RESPONSE_BYTES);
 * one that never reads again is dropped by the close handshake's timeout or the keep-alive.
 *
 * Frames written in one turn of the event loop (an event reaching the socket's many
 * subscriptions) leave in one write: the TCP socket is corked until the next tick.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { slowSocketsClosed } from '../../metrics/metrics.js';

/** The close code of a socket that fell behind: RFC 6455's "Try Again Later". */
export const CLOSE_SLOW_CONSUMER = 1013;
/** At most 123 bytes (a close frame's reason). */
export const SLOW_CONSUMER_REASON = 'fell behind: more than WS_SEND_BUFFER_BYTES unsent; reconnect and resume (afterSequence)';

const SUFFIX = Buffer.from('}');

export class SocketFrames {
  private corked = false;
  private slow = false;

  /**
   * @param socket the WebSocket
   * @param tcp its TCP socket (the upgrade request's), corked while one turn's frames are written
   * @param maxBufferedBytes see WS_SEND_BUFFER_BYTES
   * @param onSlow told once when the socket is closed for falling behind
   */
  constructor(
    private readonly socket: WebSocket,
    private readonly tcp: Socket | undefined,
    private readonly maxBufferedBytes: number,
    private readonly onSlow: (bufferedBytes: number) => void = () => {},
  ) {}

  /** Whether the socket still takes frames. */
  get open(): boolean {
    return !this.slow && this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Writes `{"id":…,"type":"next","payload":…}` (what graphql-ws writes for a `next`).
   * Returns false when the socket takes no more frames: closed, or closed now for falling behind.
   */
  next(id: string, payload: Buffer): boolean {
    if (!this.open) return false;
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.maxBufferedBytes) {
      this.slow = true;
      slowSocketsClosed.inc();
      this.onSlow(buffered);
      this.socket.close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON);
      return false;
    }
    this.cork();
    const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    this.socket.send(Buffer.concat([head, payload, SUFFIX], head.length + payload.length + 1), { binary: false });
    return true;
  }

  private cork(): void {
    const tcp = this.tcp;
    if (this.corked || !tcp) return;
    this.corked = true;
    tcp.cork();
    process.nextTick(() => {
      this.corked = false;
      tcp.uncork();
    });
  }
}
