/**
 * What a call's checkpoint holds: the answer a step reuses instead of calling (and paying)
 * again. The step context stores what a realtime call answered; the batch round stores what
 * the provider's batch answered, marked with its `custom_id` so the step counts its usage
 * once, when it first reads it.
 */
import type { CompletionUsage, ToolCall } from '../../ai/index.js';

export interface StoredAnswer {
  text: string;
  model: string;
  offline: boolean;
  usage: CompletionUsage;
  toolCalls?: ToolCall[];
  /** Set on an answer the provider's batch gave: its `custom_id`. */
  batchCallId?: string;
}

/** The stored form of an answer (the text, the model, the usage and any tool calls it asked for). */
export function storedAnswer(answer: { text: string; model: string; usage: CompletionUsage; toolCalls?: ToolCall[] | undefined }, offline: boolean, batchCallId?: string): StoredAnswer {
  return {
    text: answer.text,
    model: answer.model,
    offline,
    usage: answer.usage,
    ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : {}),
    ...(batchCallId ? { batchCallId } : {}),
  };
}
