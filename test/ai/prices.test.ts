import { costUsd, priceFor } from '../../src/ai/index.js';

const prices = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
};

describe('costUsd', () => {
  it('prices input and output tokens per million', () => {
    expect(costUsd('gpt-4o-mini', { promptTokens: 1_000, completionTokens: 500 }, prices)).toBeCloseTo(0.00045, 10);
    expect(costUsd('gpt-4o', { promptTokens: 1_000_000, completionTokens: 1_000_000 }, prices)).toBeCloseTo(12.5, 10);
    expect(costUsd('gpt-4o', { promptTokens: 0, completionTokens: 0 }, prices)).toBe(0);
  });

  it('prices a dated snapshot by its longest known alias', () => {
    expect(priceFor('gpt-4o-mini-2024-07-18', prices)).toBe(prices['gpt-4o-mini']);
    expect(priceFor('gpt-4o-2024-08-06', prices)).toBe(prices['gpt-4o']);
    expect(priceFor('gpt-4oz', prices)).toBeUndefined();
  });

  it('is null, not zero, for a model without a price', () => {
    expect(costUsd('some-local-model', { promptTokens: 10, completionTokens: 10 }, prices)).toBeNull();
    expect(costUsd('toString', { promptTokens: 10, completionTokens: 10 }, prices)).toBeNull();
  });
});

describe('cached input and flex rates', () => {
  const table = {
    'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
    'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2, flex: { input: 0.125, cachedInput: 0.0125, output: 1 } },
    'no-cached-rate': { input: 1, output: 2 },
  };

  it('prices cached prompt tokens at the cached-input rate, the rest at the input rate', () => {
    const usage = { promptTokens: 10_000, completionTokens: 1_000, cachedPromptTokens: 8_000 };
    expect(costUsd('gpt-4o-mini', usage, table)).toBeCloseTo((2_000 * 0.15 + 8_000 * 0.075 + 1_000 * 0.6) / 1e6, 12);
    expect(costUsd('gpt-4o-mini', usage, table)!).toBeLessThan(costUsd('gpt-4o-mini', { ...usage, cachedPromptTokens: 0 }, table)!);
    // Without a cached rate, cached tokens pay the full input rate (never under-reported).
    expect(costUsd('no-cached-rate', usage, table)).toBeCloseTo((10_000 * 1 + 1_000 * 2) / 1e6, 12);
    // More cached than prompt tokens (a server's mistake) is capped at the prompt.
    expect(costUsd('gpt-4o-mini', { promptTokens: 100, completionTokens: 0, cachedPromptTokens: 500 }, table)).toBeCloseTo((100 * 0.075) / 1e6, 12);
  });

  it('prices a call served by flex at the flex rates, and at the default ones where the model has none', () => {
    const usage = { promptTokens: 10_000, completionTokens: 1_000, cachedPromptTokens: 2_000 };
    expect(costUsd('gpt-5-mini', usage, table, 'flex')).toBeCloseTo((8_000 * 0.125 + 2_000 * 0.0125 + 1_000 * 1) / 1e6, 12);
    expect(costUsd('gpt-5-mini', usage, table, 'default')).toBeCloseTo((8_000 * 0.25 + 2_000 * 0.025 + 1_000 * 2) / 1e6, 12);
    expect(costUsd('gpt-5-mini', usage, table, 'flex')! * 2).toBeCloseTo(costUsd('gpt-5-mini', usage, table)!, 12);
    expect(costUsd('gpt-4o-mini', usage, table, 'flex')).toBe(costUsd('gpt-4o-mini', usage, table));
  });

  it('the built-in table has a cached-input rate for every model, below its input rate', async () => {
    const { DEFAULT_PRICES } = await import('../../src/config/index.js');
    for (const [model, p] of Object.entries(DEFAULT_PRICES)) {
      expect([model, p.cachedInput! > 0 && p.cachedInput! < p.input]).toEqual([model, true]);
    }
  });
});
