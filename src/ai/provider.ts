/**
 * The tiny interface the pipelines depend on; the OpenAI and offline providers adapt to it.
 * Every failure is thrown as an AiError (see ai-error.ts).
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** On an assistant message: the tools the model asked to call (Chat Completions `tool_calls`). */
  toolCalls?: ToolCall[];
  /** On a tool message: the id of the call it answers. */
  toolCallId?: string;
}

/** A function the model may call: its arguments are described by a JSON Schema. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One call the model asked for; `arguments` is the JSON text as the model wrote it (it may not parse). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  /** Ask for a JSON object (`response_format: json_object`); the prompt must mention JSON. */
  json?: boolean;
  /** Upper bound on generated tokens; the provider's default when absent. */
  maxTokens?: number;
  /** The model to ask; the provider's configured model when absent. */
  model?: string;
  /** Sampling temperature (0–2); the provider's default when absent. */
  temperature?: number;
  /** Tools the model may call (Chat Completions `tools`); the answer may then carry `toolCalls`. */
  tools?: ToolDefinition[];
  /**
   * When given, the answer is streamed and each piece of text is passed here as it
   * arrives (the result still carries the whole text and the usage).
   */
  onText?: (delta: string) => void;
  /** Aborting stops the HTTP request at once and any wait between tries; the call throws CANCELLED. */
  signal?: AbortSignal;
  /**
   * `flex`: the provider's cheaper, slower tier for work that can wait (`service_tier: "flex"`).
   * Absent: the provider's default tier.
   */
  serviceTier?: 'flex';
  /**
   * Groups requests that share a prompt prefix for the provider's prompt cache
   * (`prompt_cache_key`), so repeated instructions are billed at the cached-input rate.
   */
  promptCacheKey?: string;
}

export interface CompletionUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /**
   * The part of `promptTokens` the provider served from its prompt cache
   * (`prompt_tokens_details.cached_tokens`), billed at the cached-input rate. Absent: none.
   */
  cachedPromptTokens?: number;
}

export interface CompletionResult {
  text: string;
  /** The model that answered, as the provider reports it (may be a dated snapshot). */
  model: string;
  /** Summed over the successful try only: failed tries return no usage. */
  usage: CompletionUsage;
  /** True when the answer came from the offline stand-in, not a model. */
  offline: boolean;
  /** Tries made, the successful one included. */
  attempts: number;
  /** Why the model stopped ('stop', 'length', …) as the provider says; absent or null when unknown. */
  finishReason?: string | null;
  /** The tier that served the call, as the provider reports it ('default', 'flex', …); absent when it does not say. */
  serviceTier?: string | null;
  /** True when the answer was reused from the response cache: no provider call was made, nothing was paid. */
  cached?: boolean;
  /** The tool calls the model asked for instead of (or besides) text; absent when none. */
  toolCalls?: ToolCall[];
}

export interface AiProvider {
  readonly name: 'openai' | 'offline';
  readonly model: string;
  complete(req: CompletionRequest): Promise<CompletionResult>;
  /** The provider's Batch API (executionMode BATCH); absent: BATCH jobs make their calls at once. */
  readonly batches?: BatchApi;
}

/** As the provider reports it. `completed`, `failed`, `expired` and `cancelled` are final. */
export type ProviderBatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** The statuses after which a batch changes no more. */
export const FINAL_BATCH_STATUSES: readonly ProviderBatchStatus[] = ['completed', 'failed', 'expired', 'cancelled'];

export interface ProviderBatch {
  id: string;
  status: ProviderBatchStatus;
  inputFileId: string;
  /** Answered lines; null until the provider wrote them. */
  outputFileId: string | null;
  /** Failed (and, once expired or cancelled, unanswered) lines; null when there are none. */
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  metadata: Readonly<Record<string, string>>;
  createdAt: Date;
}

export interface ProviderFile {
  id: string;
  filename: string;
  createdAt: Date;
}

/**
 * The provider's Batch API as the jobs domain sees it: upload a JSONL file of Chat
 * Completions requests (purpose `batch`), create a batch of it (`/v1/chat/completions`,
 * `completion_window: "24h"`), follow it, read its output and error files, cancel it, delete
 * its files once done with them, and find a file or a batch again in the provider's own lists
 * (by the file's name or the batch's metadata) after a crash that may have lost its id.
 * Every failure is an AiError.
 */
export interface BatchApi {
  /** The Chat Completions body of one request, as a batch line carries it (the same body a realtime call sends, unstreamed). */
  requestBody(req: Omit<CompletionRequest, 'signal' | 'onText'>): unknown;
  uploadFile(filename: string, jsonl: string): Promise<ProviderFile>;
  /** The provider's file of purpose `batch` named `filename`, created at or after `since` (its list, newest first). */
  findFile(filename: string, since: Date): Promise<ProviderFile | null>;
  createBatch(inputFileId: string, metadata: Record<string, string>): Promise<ProviderBatch>;
  /** The provider's batch whose metadata has `key: value`, created at or after `since` (its list, newest first). */
  findBatch(key: string, value: string, since: Date): Promise<ProviderBatch | null>;
  retrieveBatch(id: string): Promise<ProviderBatch>;
  cancelBatch(id: string): Promise<ProviderBatch>;
  fileContent(fileId: string): Promise<string>;
  /** Deletes a file from the provider's storage; a file already gone counts as deleted. */
  deleteFile(fileId: string): Promise<void>;
}
