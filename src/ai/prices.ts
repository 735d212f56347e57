/**
 * Model prices and the cost of one call: the price table's lookup by model name or
 * dated snapshot, and USD from token counts (null when the model has no price). Prompt
 * tokens the provider served from its cache are priced at the cached-input rate, and a
 * call served by the flex tier at the flex rates, an answer of the Batch API at the batch rates.
 */
import type { CompletionUsage } from './provider.js';

/** USD per million tokens at one tier. */
export interface TierPrice {
  input: number;
  output: number;
  /** Prompt tokens served from the provider's prompt cache. Absent: the full input rate. */
  cachedInput?: number;
}

/** USD per million tokens: the default tier, and the flex tier and Batch API where the model offers them. */
export interface TokenPrice extends TierPrice {
  /** Absent: the model offers no flex tier (or its rate is unknown), and flex calls are priced at the default rate. */
  flex?: TierPrice;
  /** Absent: the Batch API's rate is unknown, and batch answers are priced at the default rate. */
  batch?: TierPrice;
}

/** The `serviceTier` of an answer that came through the Batch API (set by us: the provider reports the tier inside the batch). */
export const BATCH_TIER = 'batch';

/** Model name (or alias, see priceFor) → its price. */
export type PriceTable = Readonly<Record<string, TokenPrice>>;

/**
 * The cost of one call in USD, or null when the model has no price (unknown cost is not
 * zero cost). A response names a dated snapshot ("gpt-4o-mini-2024-07-18") even when the
 * alias was asked for, so an exact entry wins and otherwise the longest entry that is a
 * `-`-separated prefix of the model is used. `serviceTier` is the tier that served the
 * call; only `flex` and `batch` change the rate, and only for a model with that price.
 */
export function costUsd(
  model: string,
  usage: Pick<CompletionUsage, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens'>,
  prices: PriceTable,
  serviceTier?: string | null,
): number | null {
  const price = priceFor(model, prices);
  if (!price) return null;
  const rate = tierPrice(price, serviceTier);
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const fresh = usage.promptTokens - cached;
  return (fresh * rate.input + cached * (rate.cachedInput ?? rate.input) + usage.completionTokens * rate.output) / 1_000_000;
}

/** The rates a call at `serviceTier` pays: the flex (batch) ones when the call was served by flex (a batch) and the model has them. */
export function tierPrice(price: TokenPrice, serviceTier?: string | null): TierPrice {
  if (serviceTier === 'flex' && price.flex) return price.flex;
  if (serviceTier === BATCH_TIER && price.batch) return price.batch;
  return price;
}

/**
 * What the same tokens cost at the model's default tier (cached prompt tokens at its
 * cached-input rate, as a realtime call would pay): the yardstick a cheaper mode's saving
 * is measured by. Null when the model has no price.
 */
export function realtimeCostUsd(model: string, usage: Pick<CompletionUsage, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens'>, prices: PriceTable): number | null {
  return costUsd(model, usage, prices, null);
}

export function priceFor(model: string, prices: PriceTable): TokenPrice | undefined {
  if (Object.hasOwn(prices, model)) return prices[model];
  let best: string | undefined;
  for (const name of Object.keys(prices)) {
    if (model.startsWith(`${name}-`) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : prices[best];
}
