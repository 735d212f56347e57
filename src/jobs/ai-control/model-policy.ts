/** The deployment's ModelPolicy from configuration: allowed models, default, windows, prices. */
import { KNOWN_CONTEXT_WINDOWS, type Config } from '../../config/index.js';
import type { ModelPolicy } from './options.js';

const FALLBACK_CONTEXT_TOKENS = 8192;

export function modelPolicyFrom(config: Pick<Config, 'ai' | 'aiControl'>): ModelPolicy {
  const { ai, aiControl } = config;
  return {
    defaultModel: ai.model,
    models: aiControl.models,
    prices: ai.prices,
    contextTokens(model: string): number {
      // AI_CONTEXT_TOKENS, when set, is the operator's word for every model.
      if (aiControl.contextTokensFixed || model === ai.model) return ai.contextTokens;
      return knownWindow(model) ?? FALLBACK_CONTEXT_TOKENS;
    },
  };
}

/** An exact entry, else the longest known name that is a `-`-separated prefix (dated snapshots). */
function knownWindow(model: string): number | undefined {
  if (Object.hasOwn(KNOWN_CONTEXT_WINDOWS, model)) return KNOWN_CONTEXT_WINDOWS[model];
  let best: string | undefined;
  for (const name of Object.keys(KNOWN_CONTEXT_WINDOWS)) {
    if (model.startsWith(`${name}-`) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : KNOWN_CONTEXT_WINDOWS[best];
}
