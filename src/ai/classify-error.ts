/**
 * Error classification for AI calls: whatever the OpenAI SDK threw → one AiError with the
 * contract's code, whether a retry can help, and the provider's Retry-After hint.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { AiError, AiErrorCode, cancelledError } from './ai-error.js';
import { parseRetryAfter } from '../errors/index.js';

export interface ClassifyOptions {
  /** The clock for `Retry-After: <HTTP date>`; injectable so tests need no real time. */
  now?: () => number;
  /** Exact strings (the API key) to blank out of messages, besides anything shaped like a key. */
  secrets?: readonly string[];
}

/**
 * Maps whatever the OpenAI SDK (v6) threw to an AiError with the contract's code and
 * whether a retry can help. Pure apart from the injectable clock.
 *
 * An `APIUserAbortError` becomes CANCELLED: the SDK cannot tell the caller's abort from
 * ours, so the provider, which knows whether its own timer fired, turns that case into
 * TIMEOUT before calling this.
 */
export function classifyAiError(err: unknown, options: ClassifyOptions = {}): AiError {
  if (err instanceof AiError) return err;
  const message = redact(describe(err), options.secrets ?? []);

  // Order matters: the abort and timeout classes are subclasses of APIError/APIConnectionError.
  if (err instanceof APIUserAbortError || isDomAbort(err)) return cancelledError(err);
  if (err instanceof APIConnectionTimeoutError) {
    return new AiError(AiErrorCode.TIMEOUT, `AI call timed out: ${message}`, { retryable: true, cause: err });
  }
  if (err instanceof APIConnectionError) {
    return new AiError(AiErrorCode.NETWORK, `AI provider unreachable: ${message}`, { retryable: true, cause: err });
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    return classifyHttp(err, err.status, message, options.now ?? Date.now);
  }
  return new AiError(AiErrorCode.PROVIDER_ERROR, `AI call failed: ${message}`, { retryable: false, cause: err });
}

function classifyHttp(err: APIError, status: number, message: string, now: () => number): AiError {
  const base = { status, cause: err };
  const retryAfterMs = retryAfterFromHeaders(err.headers, now);
  const withHint = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (status === 429) {
    // An exhausted quota will not refill in seconds; retrying only burns the job's time.
    if (err.code === 'insufficient_quota' || err.type === 'insufficient_quota') {
      return new AiError(AiErrorCode.RATE_LIMITED, `AI quota exhausted: ${message}`, { ...base, retryable: false });
    }
    return new AiError(AiErrorCode.RATE_LIMITED, `AI rate limited: ${message}`, { ...base, ...withHint, retryable: true });
  }
  if (status === 400 && isContextLength(err)) {
    return new AiError(AiErrorCode.CONTEXT_LENGTH_EXCEEDED, `AI input too long: ${message}`, { ...base, retryable: false });
  }
  if (status === 400 || status === 422) {
    return new AiError(AiErrorCode.INVALID_INPUT, `AI rejected the input: ${message}`, { ...base, retryable: false });
  }
  if (status === 408 || status === 409 || status >= 500) {
    // Request timeout, lock conflict and server faults are transient on the provider's side.
    return new AiError(AiErrorCode.PROVIDER_ERROR, `AI provider error: ${message}`, { ...base, ...withHint, retryable: true });
  }
  // 401/403/404 (bad key, no access, unknown model) and anything unexpected: a retry repeats it.
  return new AiError(AiErrorCode.PROVIDER_ERROR, `AI provider error: ${message}`, { ...base, retryable: false });
}

function isContextLength(err: APIError): boolean {
  if (err.code === 'context_length_exceeded') return true;
  return /maximum context length|context[ _]length|context window/i.test(err.message);
}

/**
 * `retry-after-ms` (OpenAI's own, milliseconds) wins over the standard `retry-after`,
 * which is either delta-seconds or an HTTP date. Negative or unparsable hints are ignored.
 */
export function retryAfterFromHeaders(headers: Headers | undefined, now: () => number = Date.now): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  return parseRetryAfter(headers.get('retry-after'), now(), { fractionalSeconds: true });
}

// Duck-typed, not `instanceof Error`: a DOMException or an error from another realm
// (vm contexts, test runners) is not an instance of this realm's Error.
function isDomAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

function describe(err: unknown): string {
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const { message, name } = err as { message?: unknown; name?: unknown };
    if (typeof message === 'string' && message !== '') return message;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'unknown error';
}

/** API keys must never reach logs, job records or webhooks, even if a provider echoes one. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out.replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, 'sk-***');
}
