/**
 * Model prices and the cost of one call: the price table's lookup by model name or
 * dated snapshot, and USD from token counts (null when the model has no price).
 */
import type { CompletionUsage } from './provider.js';

/** USD per million tokens. */
export interface TokenPrice {
  input: number;
  output: number;
}

/** Model name (or alias, see priceFor) → its price. */
export type PriceTable = Readonly<Record<string, TokenPrice>>;

/**
 * The cost of one call in USD, or null when the model has no price (unknown cost is not
 * zero cost). A response names a dated snapshot ("gpt-4o-mini-2024-07-18") even when the
 * alias was asked for, so an exact entry wins and otherwise the longest entry that is a
 * `-`-separated prefix of the model is used.
 */
export function costUsd(
  model: string,
  usage: Pick<CompletionUsage, 'promptTokens' | 'completionTokens'>,
  prices: PriceTable,
): number | null {
  const price = priceFor(model, prices);
  if (!price) return null;
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
}

export function priceFor(model: string, prices: PriceTable): TokenPrice | undefined {
  if (Object.hasOwn(prices, model)) return prices[model];
  let best: string | undefined;
  for (const name of Object.keys(prices)) {
    if (model.startsWith(`${name}-`) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : prices[best];
}
