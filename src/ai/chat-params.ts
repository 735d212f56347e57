/**
 * Our messages and tools in the SDK's Chat Completions shapes: an assistant turn that asked
 * for tools carries its `tool_calls`, a tool's answer names the call it answers.
 */
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ChatMessage, CompletionRequest, ToolDefinition } from './provider.js';

/** Which body field carries `maxTokens` (see OpenAiProviderOptions.maxTokensField). */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/** The Chat Completions body of a request: what a realtime call sends, and what a batch file's line carries. */
export function chatCompletionBody(req: Omit<CompletionRequest, 'signal' | 'onText'>, model: string, maxTokensField: MaxTokensField): ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    messages: toSdkMessages(req.messages),
    ...(req.tools && req.tools.length > 0 ? { tools: toSdkTools(req.tools) } : {}),
    ...(req.json ? { response_format: { type: 'json_object' as const } } : {}),
    ...(req.maxTokens !== undefined ? { [maxTokensField]: req.maxTokens } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.serviceTier ? { service_tier: req.serviceTier } : {}),
    ...(req.promptCacheKey ? { prompt_cache_key: req.promptCacheKey } : {}),
  };
}

export function toSdkMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
    if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
      return {
        role: 'assistant',
        // A turn that only calls tools has no text: the API wants null, not ''.
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

export function toSdkTools(tools: readonly ToolDefinition[]): ChatCompletionTool[] {
  return tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

interface SdkBody {
  model?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown; tool_calls?: Array<{ id?: unknown; function?: { name?: unknown; arguments?: unknown } }>; tool_call_id?: unknown }>;
  tools?: Array<{ function?: { name?: unknown; description?: unknown; parameters?: unknown } }>;
  response_format?: { type?: unknown };
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  temperature?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** A Chat Completions body back into our request (the offline stand-in answering a batch line). */
export function fromChatCompletionBody(body: unknown): Omit<CompletionRequest, 'signal' | 'onText'> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as SdkBody;
  const messages: ChatMessage[] = (b.messages ?? []).map((m) => ({
    role: (['system', 'user', 'assistant', 'tool'].includes(str(m.role)) ? m.role : 'user') as ChatMessage['role'],
    content: str(m.content),
    ...(m.tool_calls ? { toolCalls: m.tool_calls.map((c) => ({ id: str(c.id), name: str(c.function?.name), arguments: str(c.function?.arguments) })) } : {}),
    ...(m.tool_call_id !== undefined ? { toolCallId: str(m.tool_call_id) } : {}),
  }));
  const tools = (b.tools ?? []).map((t) => ({ name: str(t.function?.name), description: str(t.function?.description), parameters: (t.function?.parameters ?? {}) as Record<string, unknown> }));
  const maxTokens = num(b.max_tokens) ?? num(b.max_completion_tokens);
  const temperature = num(b.temperature);
  return {
    messages,
    ...(typeof b.model === 'string' ? { model: b.model } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(b.response_format?.type === 'json_object' ? { json: true } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  };
}
