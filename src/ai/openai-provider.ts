/**
 * The OpenAI (or OpenAI-compatible) provider: one chat completion per call, with the
 * project's own time limit, retry policy and error classification around the SDK.
 */
import OpenAI from 'openai';
import { abortableSleep, type Sleep } from './abortable-sleep.js';
import { AiError, AiErrorCode, cancelledError, timeoutError } from './ai-error.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import type { CallGate } from './call-gate.js';
import { createCallSignal } from './call-signal.js';
import { chatCompletionBody, type MaxTokensField } from './chat-params.js';
import { classifyAiError } from './classify-error.js';
import type { AiProvider, CompletionRequest, CompletionResult } from './provider.js';
import { readCompletion, type ReadCompletion } from './read-completion.js';
import { readStream } from './stream-completion.js';
import { createOpenAiBatches } from './openai-batches.js';
import { countTokens } from './tokens.js';

export interface OpenAiProviderOptions {
  /** Sent as the bearer token. Absent: 'unset' (a local endpoint may not need one). */
  apiKey?: string;
  /** Any OpenAI-compatible endpoint, ending in /v1. Absent: the SDK's default. */
  baseUrl?: string;
  model: string;
  /** Limit of one try, headers and body included, in ms. */
  timeoutMs: number;
  /** Tries of one call for retryable errors, the first included (>= 1). */
  maxCallAttempts: number;
  /** Delay between tries. @defaultValue DEFAULT_AI_BACKOFF (`{ baseMs: 1000, maxMs: 30000 }`) */
  backoff?: Omit<BackoffOptions, 'random'>;
  /**
   * Which body field carries `maxTokens`: `max_tokens` is understood by most compatible
   * servers; OpenAI's reasoning models require `max_completion_tokens`.
   * @defaultValue 'max_tokens'
   */
  maxTokensField?: MaxTokensField;
  /** Asked before every try (a shared rate limit); told of every 429. Absent: no limit. */
  gate?: CallGate;
  /** Injectable for tests. */
  sleep?: Sleep;
  random?: () => number;
}

export const DEFAULT_AI_BACKOFF = { baseMs: 1_000, maxMs: 30_000 } as const;

/**
 * The OpenAI provider. The SDK's own retries are off (`maxRetries: 0`): retries are owned
 * here, in one place, so they do not multiply with the SDK's and the job's.
 */
export function createOpenAiProvider(opts: OpenAiProviderOptions): AiProvider {
  checkOptions(opts);
  const client = new OpenAI({
    apiKey: opts.apiKey ?? 'unset',
    baseURL: opts.baseUrl,
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
  const secrets = opts.apiKey ? [opts.apiKey] : [];
  const backoff: BackoffOptions = { ...DEFAULT_AI_BACKOFF, ...opts.backoff, random: opts.random };
  const sleep = opts.sleep ?? abortableSleep;
  const maxTokensField = opts.maxTokensField ?? 'max_tokens';

  async function tryOnce(req: CompletionRequest): Promise<ReadCompletion> {
    const model = req.model ?? opts.model;
    // The gate's wait is not part of the call's time limit; the caller's signal still ends it.
    if (opts.gate) {
      try {
        await opts.gate.acquire(model, estimateTokens(req), req.signal);
      } catch (err) {
        throw cancelledError(err);
      }
    }
    const call = createCallSignal(opts.timeoutMs, req.signal);
    try {
      const params = chatCompletionBody(req, model, maxTokensField);
      if (req.onText) {
        const stream = await client.chat.completions.create(
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: call.signal },
        );
        return await readStream(stream, model, req.onText);
      }
      const res = await client.chat.completions.create(params, { signal: call.signal });
      return readCompletion(res, model);
    } catch (err) {
      // The SDK reports our timer and the caller's abort alike; we know which fired.
      if (call.timedOut()) throw timeoutError(opts.timeoutMs, err);
      if (call.cancelled()) throw cancelledError(err);
      throw classifyAiError(err, { secrets });
    } finally {
      call.dispose();
    }
  }

  async function complete(req: CompletionRequest): Promise<CompletionResult> {
    if (!Array.isArray(req.messages) || req.messages.length === 0) {
      throw new AiError(AiErrorCode.INVALID_INPUT, 'a completion needs at least one message', { retryable: false });
    }
    for (let attempt = 1; ; attempt++) {
      if (req.signal?.aborted) throw cancelledError(req.signal.reason).withAttempts(attempt - 1);
      try {
        const { serviceTier, ...done } = await tryOnce(req);
        // A server that does not say which tier served the call is taken to have honoured the request.
        const tier = serviceTier ?? req.serviceTier;
        return { ...done, ...(tier ? { serviceTier: tier } : {}), offline: false, attempts: attempt };
      } catch (err) {
        const aiErr = classifyAiError(err, { secrets });
        if (aiErr.code === AiErrorCode.RATE_LIMITED && opts.gate) {
          await opts.gate.rateLimited(req.model ?? opts.model, aiErr.retryAfterMs).catch(() => {});
        }
        if (!aiErr.retryable || attempt >= opts.maxCallAttempts) throw aiErr.withAttempts(attempt);
        try {
          await sleep(backoffDelayMs(attempt, backoff, aiErr.retryAfterMs), req.signal);
        } catch (sleepErr) {
          throw cancelledError(sleepErr).withAttempts(attempt);
        }
      }
    }
  }

  // Batch files reach 200 MB: their upload and download get ten times a call's limit, at least ten minutes.
  const batches = createOpenAiBatches(client, { secrets, fileTimeoutMs: Math.max(10 * opts.timeoutMs, 600_000), model: opts.model, maxTokensField });
  return { name: 'openai', model: opts.model, complete, batches };
}

/** What a try may cost in tokens, for a tokens-per-minute limit: the prompt plus the answer's cap. */
function estimateTokens(req: CompletionRequest): number {
  const toolText = (req.tools ?? []).map((t) => JSON.stringify(t)).join('');
  const messageTokens = req.messages.reduce((sum, m) => sum + countTokens(m.content) + (m.toolCalls ? countTokens(JSON.stringify(m.toolCalls)) : 0), 0);
  return messageTokens + (toolText ? countTokens(toolText) : 0) + (req.maxTokens ?? 0);
}

function checkOptions(opts: OpenAiProviderOptions): void {
  if (!(typeof opts.model === 'string' && opts.model.length > 0)) throw new RangeError('model must be a non-empty string');
  if (!(Number.isInteger(opts.timeoutMs) && opts.timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive integer, got ${opts.timeoutMs}`);
  }
  if (!(Number.isInteger(opts.maxCallAttempts) && opts.maxCallAttempts >= 1)) {
    throw new RangeError(`maxCallAttempts must be an integer >= 1, got ${opts.maxCallAttempts}`);
  }
}
