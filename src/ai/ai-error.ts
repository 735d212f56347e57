/**
 * The one error type the AI layer throws. Callers (the step runner) branch on `code` and
 * `retryable` only, so every failure of a provider — HTTP status, socket error, timeout,
 * refusal — is folded into this shape before it leaves `src/ai`.
 */
import { AI_ERROR_CODES, enumObject, type AiErrorCodeValue } from '../errors/index.js';

export const AiErrorCode = enumObject(AI_ERROR_CODES);
export type AiErrorCode = AiErrorCodeValue;

export interface AiErrorOptions {
  /** Whether trying the same call again may succeed. */
  retryable: boolean;
  /** The provider's own hint (Retry-After) of how long to wait before the next try, in ms. */
  retryAfterMs?: number;
  /** HTTP status of the provider's response, when there was one. */
  status?: number;
  /** Tries made before giving up; set by the provider when its retries run out. */
  attempts?: number;
  cause?: unknown;
}

/** The plain form stored with a job: no stack, no cause, nothing secret. */
export interface AiErrorJson {
  code: AiErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  attempts?: number;
}

export class AiError extends Error {
  override readonly name = 'AiError';
  readonly code: AiErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly attempts?: number;

  constructor(code: AiErrorCode, message: string, options: AiErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.status !== undefined) this.status = options.status;
    if (options.attempts !== undefined) this.attempts = options.attempts;
  }

  /** A copy that records how many tries were made; errors are immutable once thrown. */
  withAttempts(attempts: number): AiError {
    return new AiError(this.code, this.message, {
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      status: this.status,
      attempts,
      cause: this.cause,
    });
  }

  toJSON(): AiErrorJson {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.attempts !== undefined ? { attempts: this.attempts } : {}),
    };
  }
}

export const isAiError = (value: unknown): value is AiError => value instanceof AiError;

/** The error for a call the caller abandoned (its AbortSignal fired). Never retried. */
export const cancelledError = (cause?: unknown): AiError =>
  new AiError(AiErrorCode.CANCELLED, 'the AI call was cancelled by its caller', { retryable: false, cause });

/** The error for a call that ran past its own time limit. Retryable: the next try may be faster. */
export const timeoutError = (timeoutMs: number, cause?: unknown): AiError =>
  new AiError(AiErrorCode.TIMEOUT, `the AI call did not finish within ${timeoutMs} ms`, { retryable: true, cause });
