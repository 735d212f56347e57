/** Usage arithmetic: tokens and calls add up; a cost stays unknown (null) once any part is. */
import { costUsd, realtimeCostUsd, type CompletionResult } from '../../ai/index.js';
import type { PriceTable } from '../../config/index.js';
import type { UsageDoc } from '../../db/jobs/index.js';

/**
 * The usage of one answered call, priced by the model that answered at the tier that
 * served it, cached prompt tokens at the cached-input rate. An answer reused from the
 * response cache made no call and cost nothing: it counts only as a cached call. Either way
 * `realtimeCostUsd` is what the answer's tokens cost at the default rate: what was saved.
 */
export function usageOfCall(result: CompletionResult, prices: PriceTable): UsageDoc {
  const realtime = result.offline ? 0 : realtimeCostUsd(result.model, result.usage, prices);
  if (result.cached) return { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, cachedCalls: 1, realtimeCostUsd: realtime };
  const cost = result.offline ? 0 : costUsd(result.model, result.usage, prices, result.serviceTier);
  return {
    calls: 1,
    promptTokens: result.usage.promptTokens,
    completionTokens: result.usage.completionTokens,
    totalTokens: result.usage.totalTokens,
    costUsd: cost,
    ...(result.usage.cachedPromptTokens ? { cachedPromptTokens: result.usage.cachedPromptTokens } : {}),
    realtimeCostUsd: realtime,
  };
}

export function addUsage(a: UsageDoc, b: UsageDoc): UsageDoc {
  const cachedCalls = (a.cachedCalls ?? 0) + (b.cachedCalls ?? 0);
  const cachedPromptTokens = (a.cachedPromptTokens ?? 0) + (b.cachedPromptTokens ?? 0);
  const counted = a.realtimeCostUsd !== undefined || b.realtimeCostUsd !== undefined;
  return {
    calls: a.calls + b.calls,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    costUsd: addCost(a.costUsd, b.costUsd),
    // Left out while zero, so usage written before these fields existed keeps its shape.
    ...(cachedCalls > 0 ? { cachedCalls } : {}),
    ...(cachedPromptTokens > 0 ? { cachedPromptTokens } : {}),
    ...(counted ? { realtimeCostUsd: addCost(realtimeOf(a), realtimeOf(b)) } : {}),
  };
}

/** Usage stored before the realtime cost was counted cost what it would have at the realtime rate. */
export const realtimeOf = (u: UsageDoc): number | null => (u.realtimeCostUsd === undefined ? u.costUsd : u.realtimeCostUsd);

const addCost = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round((a + b) * 1e9) / 1e9);
