/** Usage arithmetic: tokens and calls add up; a cost stays unknown (null) once any part is. */
import { costUsd, type CompletionResult } from '../../ai/index.js';
import type { PriceTable } from '../../config/index.js';
import type { UsageDoc } from '../../db/jobs/index.js';

/** The usage of one answered call, priced by the model that answered. */
export function usageOfCall(result: CompletionResult, prices: PriceTable): UsageDoc {
  const cost = result.offline ? 0 : costUsd(result.model, result.usage, prices);
  return {
    calls: 1,
    promptTokens: result.usage.promptTokens,
    completionTokens: result.usage.completionTokens,
    totalTokens: result.usage.totalTokens,
    costUsd: cost,
  };
}

export function addUsage(a: UsageDoc, b: UsageDoc): UsageDoc {
  return {
    calls: a.calls + b.calls,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    costUsd: a.costUsd === null || b.costUsd === null ? null : Math.round((a.costUsd + b.costUsd) * 1e9) / 1e9,
  };
}
