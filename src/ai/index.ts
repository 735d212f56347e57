/**
 * The AI layer's public face. Pipelines depend on `AiProvider` and `AiError` only;
 * `createAiProvider` picks the implementation from plain options (no config import here).
 */
import { createOfflineProvider } from './offline-provider.js';
import { createOpenAiProvider, type OpenAiProviderOptions } from './openai-provider.js';
import { instrumentProvider } from './instrumented-provider.js';
import type { PriceTable } from './prices.js';
import type { OfflineBatchStore } from './offline-batches.js';
import type { AiProvider } from './provider.js';

export type { AiProvider, BatchApi, ChatMessage, CompletionRequest, CompletionResult, CompletionUsage, ProviderBatch, ProviderBatchStatus, ProviderFile, ToolCall, ToolDefinition } from './provider.js';
export { FINAL_BATCH_STATUSES } from './provider.js';
export { batchLine, readBatchLines, type BatchLineOutcome } from './batch-api.js';
export type { ReadCompletion } from './read-completion.js';
export type { CallGate } from './call-gate.js';
export {
  AiError,
  AiErrorCode,
  cancelledError,
  isAiError,
  timeoutError,
  type AiErrorJson,
  type AiErrorOptions,
} from './ai-error.js';
export { classifyAiError, retryAfterFromHeaders, type ClassifyOptions } from './classify-error.js';
export { backoffDelayMs, DEFAULT_MAX_RETRY_AFTER_MS, type BackoffOptions } from './backoff.js';
export { abortableSleep, type Sleep } from './abortable-sleep.js';
export { createOpenAiProvider, DEFAULT_AI_BACKOFF, type OpenAiProviderOptions } from './openai-provider.js';
export { createOfflineProvider, OFFLINE_MARKER, type OfflineProviderOptions } from './offline-provider.js';
export { memoryBatchStore, type OfflineBatchStore, type OfflineObject } from './offline-batches.js';
export { countTokens, splitIntoChunks } from './tokens.js';
export { BATCH_TIER, costUsd, priceFor, realtimeCostUsd, tierPrice, type PriceTable, type TierPrice, type TokenPrice } from './prices.js';

/** The openai provider's options (the offline one ignores them and reports model 'offline'). */
export interface AiProviderOptions extends OpenAiProviderOptions {
  provider: AiProvider['name'];
  /** For the spend metric; a model without a price adds no cost. */
  prices?: PriceTable;
  /** Where the offline provider's Batch API keeps its files and batches. @defaultValue memory */
  offlineBatchStore?: OfflineBatchStore;
}

/** The configured provider, measured (see instrumented-provider.ts). */
export function createAiProvider(opts: AiProviderOptions): AiProvider {
  return instrumentProvider(createBareProvider(opts), opts.prices);
}

function createBareProvider(opts: AiProviderOptions): AiProvider {
  switch (opts.provider) {
    case 'offline':
      return createOfflineProvider(opts.offlineBatchStore ? { batchStore: opts.offlineBatchStore } : {});
    case 'openai':
      return createOpenAiProvider(opts);
    default: {
      const never: never = opts.provider;
      throw new RangeError(`unknown AI provider: ${String(never)}`);
    }
  }
}
