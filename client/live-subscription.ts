/**
 * One subscription that outlives its socket: when the connection drops it subscribes
 * again, after a growing delay, with the payload built afresh (so a job watch asks for
 * the events after the last one it saw). Errors that a retry would not mend end it.
 */
import type { Client as WsClient } from 'graphql-ws/client';
import { ClientError, isFinalError, type GraphQLErrorShape } from './client-error.js';

export interface ReconnectOptions {
  /** First delay before subscribing again after a drop. @defaultValue 250 (ms) */
  minDelayMs?: number;
  /** The delay doubles up to this. @defaultValue 5000 (ms) */
  maxDelayMs?: number;
  /** Give up (onError with code NETWORK) after failing this long without data. @defaultValue 600000 (ms, 10 min) */
  giveUpAfterMs?: number;
}

export const RECONNECT_DEFAULTS: Required<ReconnectOptions> = { minDelayMs: 250, maxDelayMs: 5_000, giveUpAfterMs: 600_000 };

export interface LiveHandlers<T> {
  /** Each `data`; return 'restart' to drop this subscription and subscribe again at once. */
  next(data: T): void | 'restart';
  complete(): void;
  error(err: ClientError): void;
}

export interface Stoppable {
  stop(): void;
}

/** graphql-ws hands its sink GraphQL errors, a CloseEvent, an Error or a DOM Event. */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  if (Array.isArray(err)) return ClientError.from(err as GraphQLErrorShape[]);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') {
    const reason = String((err as { reason?: unknown }).reason ?? '') || `connection closed (${code})`;
    // 4401/4403: the credential was refused or has expired; 4400: a protocol error.
    if (code === 4401 || code === 4403) return new ClientError(reason, 'UNAUTHENTICATED');
    if (code === 4400 || code === 4406) return new ClientError(reason, 'BAD_REQUEST');
    return new ClientError(reason, 'NETWORK');
  }
  const message = err instanceof Error ? err.message : 'the connection failed';
  return new ClientError(message, 'NETWORK');
}

export function liveSubscription<T>(
  ws: WsClient,
  payload: () => { query: string; variables?: Record<string, unknown> },
  handlers: LiveHandlers<T>,
  options: ReconnectOptions = {},
  onActive: (active: boolean) => void = () => {},
): Stoppable {
  const opts = { ...RECONNECT_DEFAULTS, ...options };
  let stopped = false;
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let delay = opts.minDelayMs;
  let failingSince: number | null = null;

  const finish = () => {
    if (stopped) return;
    stopped = true;
    onActive(false);
  };

  const subscribe = () => {
    timer = null;
    if (stopped) return;
    let current: (() => void) | null = null;
    let ended = false;
    const end = () => {
      ended = true;
      current?.();
    };
    current = ws.subscribe<T>(payload(), {
      next: (msg) => {
        if (ended || stopped) return;
        if (msg.errors?.length) return void fail(ClientError.from(msg.errors as GraphQLErrorShape[]));
        delay = opts.minDelayMs;
        failingSince = null;
        if (msg.data && handlers.next(msg.data) === 'restart') {
          end();
          subscribe();
        }
      },
      complete: () => {
        if (ended || stopped) return;
        ended = true;
        finish();
        handlers.complete();
      },
      error: (err) => {
        if (ended || stopped) return;
        ended = true;
        fail(toClientError(err));
      },
    });
    unsubscribe = () => end();
  };

  const fail = (err: ClientError) => {
    unsubscribe?.();
    const now = Date.now();
    failingSince ??= now;
    if (isFinalError(err) || now - failingSince > opts.giveUpAfterMs) {
      finish();
      handlers.error(err);
      return;
    }
    timer = setTimeout(subscribe, delay);
    delay = Math.min(delay * 2, opts.maxDelayMs);
  };

  onActive(true);
  subscribe();
  return {
    stop: () => {
      if (timer) clearTimeout(timer);
      unsubscribe?.();
      finish();
    },
  };
}
