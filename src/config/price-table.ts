/**
 * The built-in price table (USD per million tokens) and the check of AI_PRICES, which adds
 * to or overrides it. The shape matches src/ai/prices.ts's TokenPrice, which prices calls.
 *
 * Source: https://platform.openai.com/docs/pricing (Standard tier; "Cached input" column;
 * the Batch tier for `batch`), as of 2025-08-07. The Batch API bills half the Standard rates;
 * its table lists no cached-input rate for these models, so their cached prompt tokens in a
 * batch pay the batch input rate. Flex processing is offered only for the o3, o4-mini and gpt-5 families
 * (at Batch API rates, half the Standard ones); none of the models below offers it, so they
 * carry no flex rate and a FLEX call on them is priced at the Standard rate. Add a model
 * with its flex rate through AI_PRICES, e.g.
 * `{"gpt-5-mini":{"input":0.25,"cachedInput":0.025,"output":2,"flex":{"input":0.125,"cachedInput":0.0125,"output":1}}}`.
 */

/** USD per million tokens at one tier; `cachedInput` absent: cached prompt tokens pay `input`. */
export interface TierRate {
  input: number;
  output: number;
  cachedInput?: number;
}

export interface ModelPrice extends TierRate {
  /** The flex tier's rates; absent: flex calls are priced at the default rates. */
  flex?: TierRate;
  /** The Batch API's rates; absent: batch calls are priced at the default rates. */
  batch?: TierRate;
}
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Known prices (see the source above); AI_PRICES adds to or overrides these. */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6, batch: { input: 0.075, output: 0.3 } },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10, batch: { input: 1.25, output: 5 } },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6, batch: { input: 0.2, output: 0.8 } },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8, batch: { input: 1, output: 4 } },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4, batch: { input: 0.05, output: 0.2 } },
};

const rate = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function isTierRate(p: unknown): p is TierRate {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  const r = p as Record<string, unknown>;
  return rate(r['input']) && rate(r['output']) && (r['cachedInput'] === undefined || rate(r['cachedInput']));
}

export function isPriceTable(v: unknown): v is PriceTable {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const optionalTier = (t: unknown): boolean => t === undefined || isTierRate(t);
  return Object.values(v).every((p) => isTierRate(p) && optionalTier((p as ModelPrice).flex) && optionalTier((p as ModelPrice).batch));
}
