import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { decodeTokens, parseRanks, toBinary } from '../../src/ai/bpe-ranks.js';

describe('parseRanks', () => {
  const table = parseRanks(o200kBase.bpe_ranks);
  const reference = new Tiktoken(o200kBase);
  // js-tiktoken's own table (an internal field of the pinned version), the one we replace.
  const referenceRanks = (reference as unknown as { rankMap: Map<string, number> }).rankMap;

  it('holds every rank js-tiktoken holds, with the same bytes', () => {
    expect(table.ranks.size).toBe(referenceRanks.size);
    const differing: string[] = [];
    for (const [key, rank] of referenceRanks) {
      const bytes = String.fromCharCode(...key.split(',').map(Number));
      if (table.ranks.get(bytes) !== rank || table.bytesOf[rank] !== bytes) differing.push(key);
    }
    expect(differing).toEqual([]);
  });

  it('decodes tokens back to their text, and a cut inside a character to U+FFFD', () => {
    const text = 'Emoji 😀👍🏽 and 東京, café.';
    const tokens = reference.encode(text, [], []);
    expect(decodeTokens(table, tokens)).toBe(text);
    const euro = table.ranks.get(toBinary('€').slice(0, 2));
    expect(euro).toBeDefined();
    expect(decodeTokens(table, [euro!])).toBe('\uFFFD');
  });
});
