import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { countTokens, splitIntoChunks } from '../../src/ai/index.js';
import { encodeTokens } from '../../src/ai/tokens.js';

const sentence = (i: number) => `Sentence number ${i} talks about the weather in some city and what people did there. `;
const paragraph = (p: number, sentences = 5) =>
  Array.from({ length: sentences }, (_, i) => sentence(p * 100 + i)).join('').trimEnd();

function expectLossless(text: string, chunks: string[], maxTokens: number): void {
  expect(chunks.join('')).toBe(text);
  for (const chunk of chunks) {
    expect(chunk.length).toBeGreaterThan(0);
    expect(countTokens(chunk)).toBeLessThanOrEqual(maxTokens);
    expect(chunk).not.toContain('\uFFFD');
  }
}

describe('countTokens', () => {
  it('counts with o200k_base', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('a '.repeat(100))).toBeGreaterThan(50);
  });

  it('gives exactly the tokens js-tiktoken gives, on varied text', () => {
    const reference = new Tiktoken(o200kBase);
    const samples = [
      'The quick brown fox jumps over the lazy dog. It\'s 2025; numbers like 1234567 and 3.14159!',
      '東京は日本の首都であり、多くの人々が住んでいます。北京是中国的首都。서울은 한국의 수도입니다.',
      'Emoji 😀👍🏽🇫🇷 🧑‍🚀 and accents: café, naïve, Ærøskøbing, Straße.',
      'function foo(a, b) {\n\treturn a + b * 2; // comment\n}\n\n\n   indented\r\n',
      'Base64: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=, hex: deadbeef0123, url: https://example.com/a?b=c&d=e',
      '<|endoftext|> special tokens stay plain text <|im_start|>',
      '='.repeat(300) + ' ' + '-'.repeat(100) + '   ' + '\n'.repeat(50),
    ];
    for (const text of samples) expect(encodeTokens(text)).toEqual(reference.encode(text, [], []));
  });

  // How fast these run is measured by bench/, not asserted here.
  it('counts pathological runs (one pre-token of 100,000 characters)', () => {
    expect(countTokens('='.repeat(100_000))).toBeGreaterThan(100);
    expect(countTokens('東京は日本の首都であり多くの人々が住んでいます'.repeat(2_000))).toBeGreaterThan(10_000);
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(countTokens('before <|endoftext|> after')).toBeGreaterThan(3);
  });
});

describe('splitIntoChunks', () => {
  it('keeps a text that fits as one chunk, and gives no chunk for empty text', () => {
    expect(splitIntoChunks('A short text.', 100)).toEqual(['A short text.']);
    expect(splitIntoChunks('', 100)).toEqual([]);
  });

  it('splits long text into several fitting chunks, at paragraph breaks, losing nothing', () => {
    const text = Array.from({ length: 40 }, (_, p) => paragraph(p)).join('\n\n');
    const max = 300;
    const chunks = splitIntoChunks(text, max);
    expect(chunks.length).toBeGreaterThan(3);
    expectLossless(text, chunks, max);
    // Paragraphs (~90 tokens) fit, so every chunk but the last ends at a paragraph break.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n\n')).toBe(true);
  });

  it('falls back to sentence breaks inside a paragraph that is too long', () => {
    const text = paragraph(1, 60);
    const max = 100;
    const chunks = splitIntoChunks(text, max);
    expect(chunks.length).toBeGreaterThan(5);
    expectLossless(text, chunks, max);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/\. $/);
  });

  it('cuts at token boundaries only when a single word is too long', () => {
    const blob = 'x9Q'.repeat(5_000);
    const text = `Intro sentence. ${blob} Outro sentence.`;
    const chunks = splitIntoChunks(text, 50);
    expectLossless(text, chunks, 50);
  });

  it('never splits a character, whatever the script', () => {
    const cjk = '東京は日本の首都であり、多くの人々が住んでいます。'.repeat(200);
    expectLossless(cjk, splitIntoChunks(cjk, 40), 40);
    const emoji = '😀👍🏽🇫🇷 '.repeat(300).concat('🧑‍🚀'.repeat(200));
    expectLossless(emoji, splitIntoChunks(emoji, 7), 7);
  });

  it('keeps odd whitespace exactly', () => {
    const text = `  leading\n\n\n   \n${paragraph(2, 30)}\r\n\r\n\t${paragraph(3, 30)}   trailing  \n`;
    expectLossless(text, splitIntoChunks(text, 60), 60);
  });

  it('splits a large document without losing anything', () => {
    const text = Array.from({ length: 2_000 }, (_, p) => paragraph(p)).join('\n\n');
    const chunks = splitIntoChunks(text, 4_000);
    expectLossless(text, chunks, 4_000);
  });

  it('rejects a nonsense limit', () => {
    expect(() => splitIntoChunks('text', 0)).toThrow(RangeError);
    expect(() => splitIntoChunks('text', 2.5)).toThrow(RangeError);
  });
});
