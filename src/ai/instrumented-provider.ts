/**
 * The one place AI calls are measured: wraps a provider so every call counts its outcome,
 * latency, tokens and cost, whichever step or pipeline made it.
 */
import { costUsd, type PriceTable } from './prices.js';
import { isAiError } from './ai-error.js';
import type { AiProvider } from './provider.js';
import { aiCalls, aiCallSeconds, aiCostUsd, aiTokens } from '../metrics/metrics.js';

export function instrumentProvider(provider: AiProvider, prices: PriceTable = {}): AiProvider {
  const labels = { provider: provider.name, model: provider.model };
  return {
    name: provider.name,
    model: provider.model,
    async complete(req) {
      const stopTimer = aiCallSeconds.startTimer(labels);
      try {
        const result = await provider.complete(req);
        aiCalls.inc({ ...labels, outcome: 'OK' });
        aiTokens.inc({ model: provider.model, direction: 'in' }, result.usage.promptTokens);
        aiTokens.inc({ model: provider.model, direction: 'out' }, result.usage.completionTokens);
        const usd = costUsd(result.model, result.usage, prices);
        if (usd !== null) aiCostUsd.inc({ model: provider.model }, usd);
        return result;
      } catch (err) {
        aiCalls.inc({ ...labels, outcome: isAiError(err) ? err.code : 'UNKNOWN' });
        throw err;
      } finally {
        stopTimer();
      }
    },
  };
}
