/**
 * Batch files' lines: one request per line of an input file, and what a line of an output
 * or error file says (an answer, a failure for the AI error policy, or never processed).
 * The Batch API itself is `BatchApi` (provider.ts).
 */
import { APIError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { AiError, AiErrorCode, isAiError } from './ai-error.js';
import { classifyAiError } from './classify-error.js';
import { readCompletion, type ReadCompletion } from './read-completion.js';

/** One line of a batch input file: a Chat Completions request under its `custom_id`. */
export function batchLine(customId: string, body: unknown): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body });
}

/** What a line of an output or error file says about its request. */
export type BatchLineOutcome =
  | { customId: string; kind: 'answer'; completion: ReadCompletion }
  /** The request failed, or its answer is a refusal: the AI error policy decides what follows. */
  | { customId: string; kind: 'failed'; error: AiError }
  /** Never processed: its batch expired or was cancelled first. */
  | { customId: string; kind: 'unanswered' };

/** Errors the provider writes for lines its batch never reached. */
const UNANSWERED_CODES = new Set(['batch_expired', 'batch_cancelled']);

interface LineJson {
  custom_id?: unknown;
  response?: { status_code?: unknown; body?: unknown } | null;
  error?: { code?: unknown; message?: unknown } | null;
}

/**
 * The lines of an output or error file. A line that is not JSON or names no request is
 * skipped: the request it stood for stays unanswered, and is sent again or made at once.
 */
export function readBatchLines(jsonl: string, fallbackModel: string): BatchLineOutcome[] {
  const out: BatchLineOutcome[] = [];
  for (const text of jsonl.split('\n')) {
    if (text.trim() === '') continue;
    let line: LineJson;
    try {
      line = JSON.parse(text) as LineJson;
    } catch {
      continue;
    }
    if (typeof line.custom_id !== 'string') continue;
    out.push(readLine(line.custom_id, line, fallbackModel));
  }
  return out;
}

function readLine(customId: string, line: LineJson, fallbackModel: string): BatchLineOutcome {
  const status = typeof line.response?.status_code === 'number' ? line.response.status_code : null;
  const body = line.response?.body as { error?: Record<string, unknown> } | undefined;
  if (status !== null && status >= 200 && status < 300 && body) {
    try {
      return { customId, kind: 'answer', completion: readCompletion(body as unknown as ChatCompletion, fallbackModel) };
    } catch (err) {
      // A refusal or a filtered answer: not worth asking again.
      return { customId, kind: 'failed', error: isAiError(err) ? err : classifyAiError(err) };
    }
  }
  const code = typeof line.error?.code === 'string' ? line.error.code : null;
  if (status === null && code !== null && UNANSWERED_CODES.has(code)) return { customId, kind: 'unanswered' };
  if (status !== null) {
    // The whole body, as the SDK reads an HTTP error's: `{ error: { message, type, code } }`.
    const errorBody = body?.error ? body : { error: { message: `status ${status}` } };
    return { customId, kind: 'failed', error: classifyAiError(APIError.generate(status, errorBody, undefined, new Headers())) };
  }
  const message = typeof line.error?.message === 'string' ? line.error.message : 'the batch line failed';
  // Nothing says it cannot succeed another time.
  return { customId, kind: 'failed', error: new AiError(AiErrorCode.PROVIDER_ERROR, `AI batch line failed${code ? ` (${code})` : ''}: ${message}`, { retryable: true }) };
}
