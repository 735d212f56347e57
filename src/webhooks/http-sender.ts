import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { checkWebhookUrlShape } from './address-guard.js';
import { BlockedAddressError, guardedConnector, rootCause } from './guarded-connector.js';

export { BlockedAddressError } from './guarded-connector.js';

/**
 * One HTTP attempt of a webhook delivery, and nothing more: no retries, no database. The
 * dispatcher decides what an outcome means; this module only makes sure an attempt is
 * bounded in time and size, goes only where it may, and always ends in a SendOutcome.
 */

export interface WebhookSenderOptions {
  /** Allow loopback and private addresses (development and tests). */
  allowPrivate: boolean;
  /** The limit of one whole attempt (connect, headers and body read), in ms. */
  timeoutMs: number;
  /** How much of the response body is kept for the attempt log, in bytes. @defaultValue 1024 */
  maxResponseBytes?: number;
  /** Sent unless the caller's headers carry their own. @defaultValue 'ai-jobs-webhooks/1' */
  userAgent?: string;
  /** How host names are resolved at connect time; for tests. @defaultValue dns.lookup */
  lookup?: LookupFunction;
}

export interface SendInput {
  url: string;
  /** Usually webhookHeaders(...); sent as given. */
  headers: Readonly<Record<string, string>>;
  /** The exact signed body. */
  body: string;
  /** Aborts the attempt early (shutdown); the outcome then says 'aborted'. */
  signal?: AbortSignal;
}

export interface SendOutcome {
  /** A 2xx arrived and its body was read (up to the cap) within the time limit. */
  ok: boolean;
  /** The response status, or null when no response arrived. */
  statusCode: number | null;
  durationMs: number;
  /** Why the attempt failed, for people: 'timeout after 15000ms', 'non-2xx status 500', … */
  error: string | null;
  /** The start of the response body (at most maxResponseBytes), or null without a response. */
  responseBody: string | null;
  /** The raw Retry-After header, whatever the status; the dispatcher decides whether to honour it. */
  retryAfter: string | null;
  /** 410 Gone: the receiver asks us to stop, and the endpoint is disabled. */
  gone: boolean;
}

export interface WebhookSender {
  /** Never throws: a network failure, a timeout or a refused address is an outcome. */
  send(input: SendInput): Promise<SendOutcome>;
  /** Closes idle connections and waits for attempts in flight (each bounded by timeoutMs). */
  close(): Promise<void>;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024;
const DEFAULT_USER_AGENT = 'ai-jobs-webhooks/1';

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { allowPrivate, timeoutMs } = options;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be > 0, not ${timeoutMs}`);
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 0) {
    throw new RangeError(`maxResponseBytes must be >= 0, not ${maxResponseBytes}`);
  }

  const agent = new Agent({
    connect: guardedConnector({ allowPrivate, timeoutMs, lookup: options.lookup }),
    // Our own AbortController bounds the whole attempt; undici's limits only back it up.
    headersTimeout: timeoutMs + 1_000,
    bodyTimeout: timeoutMs + 1_000,
    keepAliveTimeout: 4_000,
  });
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;

  async function send({ url, headers, body, signal }: SendInput): Promise<SendOutcome> {
    const started = performance.now();
    let statusCode: number | null = null;
    let retryAfter: string | null = null;
    let responseBody: string | null = null;
    const outcome = (error: string | null): SendOutcome => ({
      ok: error === null,
      statusCode,
      durationMs: Math.round(performance.now() - started),
      error,
      responseBody,
      retryAfter,
      gone: statusCode === 410,
    });

    // Undici would happily try other schemes' shapes; a stored URL may predate a rule change.
    const shape = checkWebhookUrlShape(url);
    if (!shape.ok) return outcome(`invalid url: ${shape.reason}`);

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      const response = await request(shape.url, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'user-agent': userAgent, ...headers },
        body,
        signal: attemptSignal,
      });
      statusCode = response.statusCode;
      retryAfter = firstHeader(response.headers['retry-after']);
      responseBody = await readCapped(response.body, maxResponseBytes);
      return outcome(statusError(statusCode));
    } catch (error) {
      if (deadline.signal.aborted) return outcome(`timeout after ${timeoutMs}ms`);
      if (signal?.aborted) return outcome('aborted');
      return outcome(describeFailure(error, timeoutMs));
    } finally {
      clearTimeout(timer);
    }
  }

  return { send, close: () => agent.close() };
}

function firstHeader(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/**
 * The start of a response body: at most maxBytes, then the stream is destroyed so that a
 * receiver streaming gigabytes costs us nothing. A multi-byte character cut at the limit
 * is dropped rather than shown as garbage.
 */
async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let remaining = maxBytes;
  let truncated = false;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      if (bytes.length >= remaining) {
        text += decoder.write(bytes.subarray(0, remaining));
        truncated = bytes.length > remaining;
        remaining = 0;
        break;
      }
      text += decoder.write(bytes);
      remaining -= bytes.length;
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return truncated || remaining === 0 ? text : text + decoder.end();
}

function statusError(status: number): string | null {
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) return `redirect ${status} not followed`;
  return `non-2xx status ${status}`;
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|UNABLE_TO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** A short, stable sentence for a failure that produced no usable response. */
function describeFailure(error: unknown, timeoutMs: number): string {
  const cause = rootCause(error);
  if (cause instanceof BlockedAddressError) return cause.message;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return `connection closed by the receiver (${message})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `dns lookup failed (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${code === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return `timeout after ${timeoutMs}ms`;
    default:
      if (code !== undefined && TLS_CODE.test(code)) return `tls error (${code})`;
      return `request failed (${code ?? message})`;
  }
}
