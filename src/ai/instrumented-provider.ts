/**
 * The one place AI calls are measured: wraps a provider so every call counts its outcome,
 * latency, tokens and cost, whichever step or pipeline made it.
 */
import { costUsd, type PriceTable } from './prices.js';
import { isAiError } from './ai-error.js';
import type { AiProvider } from './provider.js';
import { aiCachedPromptTokens, aiCalls, aiCallSeconds, aiCostUsd, aiTokens } from '../metrics/metrics.js';

/**
 * Everything but `complete` is the provider's own (reached through the prototype), so a
 * member added to AiProvider later passes through unmeasured rather than lost.
 */
export function instrumentProvider(provider: AiProvider, prices: PriceTable = {}): AiProvider {
  const measured: AiProvider = Object.create(provider) as AiProvider;
  return Object.assign(measured, {
    async complete(req: Parameters<AiProvider['complete']>[0]) {
      // A job may ask for its own model; the allowed ones are a configured list (AI_MODELS), so the label stays bounded.
      const model = req.model ?? provider.model;
      const labels = { provider: provider.name, model };
      const stopTimer = aiCallSeconds.startTimer(labels);
      try {
        const result = await provider.complete(req);
        aiCalls.inc({ ...labels, outcome: 'OK' });
        aiTokens.inc({ model, direction: 'in' }, result.usage.promptTokens);
        aiTokens.inc({ model, direction: 'out' }, result.usage.completionTokens);
        if (result.usage.cachedPromptTokens) aiCachedPromptTokens.inc({ model }, result.usage.cachedPromptTokens);
        const usd = costUsd(result.model, result.usage, prices, result.serviceTier);
        if (usd !== null) aiCostUsd.inc({ model }, usd);
        return result;
      } catch (err) {
        aiCalls.inc({ ...labels, outcome: isAiError(err) ? err.code : 'UNKNOWN' });
        throw err;
      } finally {
        stopTimer();
      }
    },
  });
}
