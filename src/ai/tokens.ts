import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { splitParagraphs, splitSentences, splitWords } from './text-segments.js';

/**
 * Token counting and chunking with the o200k_base encoding (gpt-4o and later). Other
 * models' tokenizers differ a little, so callers leave headroom under the context window.
 * The `lite` entry plus a bundled rank file loads with no network.
 */
let encoder: Tiktoken | undefined;

/** Building the encoder parses ~200k ranks (tens of ms), so it is built once, on first use. */
function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(o200kBase);
  return encoder;
}

/** Special-token text such as "<|endoftext|>" in a document is counted as plain text, not rejected. */
function encode(text: string): number[] {
  return getEncoder().encode(text, [], []);
}

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : encode(text).length;
}

interface Unit {
  text: string;
  tokens: number;
}

/**
 * Splits `text` into chunks of at most `maxTokens` tokens each, preferring paragraph
 * breaks, then sentence breaks, then word breaks, and only then token boundaries.
 * Every chunk is a substring and `chunks.join('') === text`: nothing is cut off or
 * rewritten (separators stay attached to the piece before them). Empty text gives [].
 */
export function splitIntoChunks(text: string, maxTokens: number): string[] {
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw new RangeError(`maxTokens must be an integer >= 1, got ${maxTokens}`);
  }
  if (text.length === 0) return [];
  const whole = countTokens(text);
  if (whole <= maxTokens) return [text];
  return pack(toUnits(text, maxTokens, 0), maxTokens);
}

type Level = (text: string) => string[];

/** From coarsest to finest; below the last comes the cut at token boundaries. */
const LEVELS: readonly Level[] = [splitParagraphs, splitSentences, splitWords];

/** Breaks `text` into pieces that each fit, going one level finer only where a piece is too big. */
function toUnits(text: string, maxTokens: number, level: number): Unit[] {
  const split = LEVELS[level];
  if (!split) return splitByTokens(text, maxTokens);
  const units: Unit[] = [];
  for (const piece of split(text)) {
    if (piece.length === 0) continue;
    const tokens = countTokens(piece);
    if (tokens <= maxTokens) units.push({ text: piece, tokens });
    else units.push(...toUnits(piece, maxTokens, level + 1));
  }
  return units;
}

/**
 * Last resort for a single "word" longer than the limit (a URL, base64, a long run of
 * symbols): cut at token boundaries, backing off where a cut would split a character, so
 * each piece is an exact substring. Only a window of the text is encoded per piece, which
 * keeps a huge unbroken string linear rather than quadratic. A single character that
 * alone needs more than `maxTokens` tokens (possible only for tiny limits) is kept whole.
 */
function splitByTokens(text: string, maxTokens: number): Unit[] {
  const enc = getEncoder();
  const windowChars = maxTokens * 32 + 64;
  const units: Unit[] = [];
  let pos = 0;
  while (pos < text.length) {
    const window = text.slice(pos, pos + windowChars);
    const tokens = encode(window).slice(0, maxTokens);
    let piece = enc.decode(tokens);
    // A decode ending mid-character yields U+FFFD and no longer matches the source.
    while (tokens.length > 0 && !(text.startsWith(piece, pos) && countTokens(piece) <= maxTokens)) {
      tokens.pop();
      piece = enc.decode(tokens);
    }
    if (piece.length === 0) piece = String.fromCodePoint(text.codePointAt(pos) ?? 0);
    units.push({ text: piece, tokens: countTokens(piece) });
    pos += piece.length;
  }
  return units;
}

/**
 * Greedy packing of fitting units into chunks. Token counts are not exactly additive
 * across a join, so each chunk's real count is checked, dropping trailing units until it fits.
 */
function pack(units: Unit[], maxTokens: number): string[] {
  const chunks: string[] = [];
  let i = 0;
  while (i < units.length) {
    let j = i;
    let sum = 0;
    while (j < units.length && (j === i || sum + units[j]!.tokens <= maxTokens)) {
      sum += units[j]!.tokens;
      j++;
    }
    let chunk = join(units, i, j);
    while (j - i > 1 && countTokens(chunk) > maxTokens) {
      j--;
      chunk = join(units, i, j);
    }
    chunks.push(chunk);
    i = j;
  }
  return chunks;
}

function join(units: Unit[], from: number, to: number): string {
  let out = '';
  for (let k = from; k < to; k++) out += units[k]!.text;
  return out;
}
