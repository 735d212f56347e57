/**
 * Reading one Chat Completions response: the answer text, the model and the usage, with
 * refusals and filtered answers turned into CONTENT_POLICY errors.
 */
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { AiError, AiErrorCode } from './ai-error.js';
import type { CompletionUsage, ToolCall } from './provider.js';

export interface ReadCompletion {
  text: string;
  model: string;
  usage: CompletionUsage;
  finishReason: string | null;
  serviceTier: string | null;
  toolCalls?: ToolCall[];
}

/**
 * Turns a Chat Completions response into our result. A plain `create` does not throw on a
 * refusal or a filtered answer — it returns it — so those become CONTENT_POLICY here;
 * asking again would only be refused again (and paid for again).
 */
export function readCompletion(res: ChatCompletion, requestedModel: string): ReadCompletion {
  const choice = res.choices?.[0];
  if (!choice) {
    throw new AiError(AiErrorCode.PROVIDER_ERROR, 'the AI provider returned no choices', { retryable: false });
  }
  const refusal = choice.message?.refusal;
  if (typeof refusal === 'string' && refusal.length > 0) {
    throw new AiError(AiErrorCode.CONTENT_POLICY, `the model refused: ${refusal.slice(0, 500)}`, { retryable: false });
  }
  if (choice.finish_reason === 'content_filter') {
    throw new AiError(AiErrorCode.CONTENT_POLICY, 'the answer was withheld by the content filter', { retryable: false });
  }
  const toolCalls = (choice.message?.tool_calls ?? []).flatMap((c) =>
    c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' }] : [],
  );
  return {
    text: choice.message?.content ?? '',
    model: typeof res.model === 'string' && res.model.length > 0 ? res.model : requestedModel,
    usage: readUsage(res.usage),
    finishReason: choice.finish_reason ?? null,
    serviceTier: typeof res.service_tier === 'string' ? res.service_tier : null,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
  };
}

/**
 * Some OpenAI-compatible servers omit usage; zeros keep the sums well-defined. Cached
 * prompt tokens are part of the prompt tokens, so they never exceed them.
 */
export function readUsage(usage: ChatCompletion['usage'] | null | undefined): CompletionUsage {
  const promptTokens = count(usage?.prompt_tokens);
  const completionTokens = count(usage?.completion_tokens);
  const total = count(usage?.total_tokens);
  const cached = Math.min(count(usage?.prompt_tokens_details?.cached_tokens), promptTokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: total > 0 ? total : promptTokens + completionTokens,
    ...(cached > 0 ? { cachedPromptTokens: cached } : {}),
  };
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);
