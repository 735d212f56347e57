/**
 * What one WebSocket is sent for its subscriptions: ready `next` messages, the payload
 * built once for its shape and only framed here with the subscription's id. A write never
 * waits: the frame goes to the kernel, or to the socket's own buffer when the kernel's is
 * full, and the next socket is served at once.
 *
 * That buffer is bounded by `maxBufferedBytes` (WS_SEND_BUFFER_BYTES), in two ways:
 * - Live messages (pushed to every caught-up subscription of a shape at once, see
 *   live-group.ts) are never held back for one socket. A socket that still holds more than
 *   the bound unsent when a turn of live messages begins has a reader that does not keep
 *   up (a stalled tab, a lost network): it is sent nothing more and closed with 1013 Try
 *   Again Later. Its reader gets every frame written before, then the close; clients
 *   reconnect on 1013 (graphql-ws treats it as retryable) and ours resubscribe with
 *   `afterSequence`, so a `jobEvents` watch misses nothing.
 * - A subscription reading a stored backlog (a replay) pulls its next item only once the
 *   socket holds at most the bound (`whenWritable`): a long replay to a slow reader goes at
 *   the reader's pace instead of piling up here. A socket that does not come down to the
 *   bound within `sendTimeoutMs` (WS_SEND_TIMEOUT) is closed the same way.
 * So a socket holds at most the bound and about two messages per subscription on it (one
 * read from a backlog, one live); one that never reads again is dropped by the close
 * handshake's timeout or the keep-alive.
 *
 * Frames written in one turn of the event loop (an event reaching the socket's many
 * subscriptions) leave in few writes: the TCP socket is corked until the next tick, or
 * until FLUSH_BYTES are waiting.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { slowSocketsClosed } from '../../metrics/metrics.js';

/** The close code of a socket that fell behind: RFC 6455's "Try Again Later". */
export const CLOSE_SLOW_CONSUMER = 1013;
/** At most 123 bytes (a close frame's reason). */
export const SLOW_CONSUMER_REASON = 'fell behind: more than WS_SEND_BUFFER_BYTES unsent; reconnect and resume (afterSequence)';
/** Corked bytes after which the socket is flushed at once. */
export const FLUSH_BYTES = 64 * 1024;

const SUFFIX = Buffer.from('}');

export interface SocketFramesOptions {
  /** WS_SEND_BUFFER_BYTES. */
  maxBufferedBytes: number;
  /** WS_SEND_TIMEOUT, in ms. */
  sendTimeoutMs: number;
  /** Told once when the socket is closed for falling behind, with the bytes it held unsent. */
  onSlow?: (unsentBytes: number) => void;
}

export class SocketFrames {
  /** Unsent bytes when this turn's first frame was due; undefined between turns. */
  private turnStart: number | undefined;
  private corked = false;
  private corkedBytes = 0;
  private slow = false;
  /** Backlog readers waiting for room, and how to wake them when the socket is closed for lag. */
  private waiting: Promise<boolean> | undefined;
  private recheck: (() => void) | undefined;

  /**
   * @param socket the WebSocket
   * @param tcp its TCP socket (the upgrade request's): corked while a turn's frames are written
   */
  constructor(
    private readonly socket: WebSocket,
    private readonly tcp: Socket | undefined,
    private readonly opts: SocketFramesOptions,
  ) {}

  /** Whether the socket still takes frames. */
  get open(): boolean {
    return !this.slow && this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Writes a live message, which waits for no one: false when the socket takes no more
   * frames (closed), or held more than the bound when this turn began (closed now, 1013).
   */
  push(id: string, payload: Buffer): boolean {
    if (!this.open) return false;
    this.turnStart ??= this.beginTurn();
    if (this.turnStart > this.opts.maxBufferedBytes) {
      this.closeSlow(this.turnStart);
      return false;
    }
    this.write(id, payload);
    return true;
  }

  /**
   * Writes an item of a backlog, read only after `hasRoom` (or `whenWritable()`) said so:
   * false when the socket takes no more frames.
   */
  send(id: string, payload: Buffer): boolean {
    if (!this.open) return false;
    this.write(id, payload);
    return true;
  }

  /** Writes `{"id":…,"type":"next","payload":…}` (what graphql-ws writes for a `next`). */
  private write(id: string, payload: Buffer): void {
    this.turnStart ??= this.beginTurn();
    if (!this.corked && this.tcp) {
      this.corked = true;
      this.tcp.cork();
    }
    const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    const frame = Buffer.concat([head, payload, SUFFIX], head.length + payload.length + 1);
    this.socket.send(frame, { binary: false });
    this.corkedBytes += frame.length;
    if (this.corkedBytes >= FLUSH_BYTES) this.flush();
  }

  /** Whether the socket holds at most the bound unsent: a backlog's next item may be written now. */
  get hasRoom(): boolean {
    return this.open && this.socket.bufferedAmount <= this.opts.maxBufferedBytes;
  }

  /**
   * Resolves true once the socket holds at most the bound unsent (at once when it does),
   * false when it closed meanwhile or did not come down within WS_SEND_TIMEOUT (it is then
   * closed as too slow).
   */
  whenWritable(): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    if (this.socket.bufferedAmount <= this.opts.maxBufferedBytes) return Promise.resolve(true);
    this.waiting ??= new Promise<boolean>((resolve) => {
      const check = () => {
        const writable = this.open && this.socket.bufferedAmount <= this.opts.maxBufferedBytes;
        if (!writable && this.open) return;
        clearTimeout(timer);
        this.tcp?.off('drain', check);
        this.socket.off('close', check);
        this.waiting = undefined;
        this.recheck = undefined;
        resolve(writable);
      };
      const timer = setTimeout(() => {
        if (this.open) this.closeSlow(this.socket.bufferedAmount);
        check();
      }, this.opts.sendTimeoutMs);
      // 'drain' comes once the TCP socket's buffer is empty (a write found it full before).
      this.tcp?.on('drain', check);
      this.socket.on('close', check);
      this.recheck = check;
    });
    return this.waiting;
  }

  /** The unsent bytes as this turn's first frame is due; the turn ends (and the socket is flushed) on the next tick. */
  private beginTurn(): number {
    process.nextTick(() => this.endTurn());
    return this.socket.bufferedAmount;
  }

  private endTurn(): void {
    this.turnStart = undefined;
    this.flush();
  }

  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.corkedBytes = 0;
    this.tcp?.uncork();
  }

  private closeSlow(unsent: number): void {
    this.slow = true;
    slowSocketsClosed.inc();
    this.opts.onSlow?.(unsent);
    this.flush();
    this.socket.close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON);
    this.recheck?.();
  }
}
