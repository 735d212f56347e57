/**
 * Reads a streamed Chat Completion (`stream: true` with `stream_options.include_usage`)
 * into the same result as a plain one, passing each piece of text on as it arrives.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { AiError, AiErrorCode } from './ai-error.js';
import { readUsage, type ReadCompletion } from './read-completion.js';

export async function readStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
  requestedModel: string,
  onText: (delta: string) => void,
): Promise<ReadCompletion> {
  let text = '';
  let refusal = '';
  let model = '';
  let finish: string | null = null;
  let sawChoice = false;
  let serviceTier: string | null = null;
  let usage: ChatCompletionChunk['usage'] | undefined;
  // Tool calls arrive in pieces keyed by index: the id and name first, the arguments in fragments.
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for await (const chunk of chunks) {
    if (typeof chunk.model === 'string' && chunk.model.length > 0) model = chunk.model;
    if (chunk.usage) usage = chunk.usage;
    if (typeof chunk.service_tier === 'string') serviceTier = chunk.service_tier;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    sawChoice = true;
    const delta = choice.delta?.content;
    if (typeof delta === 'string' && delta.length > 0) {
      text += delta;
      onText(delta);
    }
    if (typeof choice.delta?.refusal === 'string') refusal += choice.delta.refusal;
    for (const piece of choice.delta?.tool_calls ?? []) {
      const call = calls.get(piece.index) ?? { id: '', name: '', arguments: '' };
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
      calls.set(piece.index, call);
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (!sawChoice) throw new AiError(AiErrorCode.PROVIDER_ERROR, 'the AI provider streamed no choices', { retryable: false });
  if (refusal.length > 0) {
    throw new AiError(AiErrorCode.CONTENT_POLICY, `the model refused: ${refusal.slice(0, 500)}`, { retryable: false });
  }
  if (finish === 'content_filter') {
    throw new AiError(AiErrorCode.CONTENT_POLICY, 'the answer was withheld by the content filter', { retryable: false });
  }
  return {
    text,
    model: model.length > 0 ? model : requestedModel,
    usage: readUsage(usage),
    finishReason: finish ?? null,
    serviceTier,
    ...(calls.size > 0 ? { toolCalls: [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c) } : {}),
  };
}
