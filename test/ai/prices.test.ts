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
