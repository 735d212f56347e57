import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { bytePairEncode } from './bpe.js';
import { decodeTokens, parseRanks, toBinary, type RankTable } from './bpe-ranks.js';
import { splitParagraphs, splitSentences, splitWords } from './text-segments.js';

/**
 * Token counting and chunking with the o200k_base encoding (gpt-4o and later). Other
 * models' tokenizers differ a little, so callers leave headroom under the context window.
 * The rank file is bundled with js-tiktoken and loads with no network.
 */
interface Encoder {
  table: RankTable;
  pattern: RegExp;
}
let encoder: Encoder | undefined;

/** Building the encoder parses ~200k ranks (a fraction of a second), so it is built once, on first use. */
function getEncoder(): Encoder {
  encoder ??= { table: parseRanks(o200kBase.bpe_ranks), pattern: new RegExp(o200kBase.pat_str, 'gu') };
  return encoder;
}

/**
 * Pre-tokenizes with the encoding's own pattern, then merges each pre-token with the fast
 * BPE. Special-token text such as "<|endoftext|>" is encoded as plain text, not rejected.
 */
function encodePart(text: string): number[] {
  const { table, pattern } = getEncoder();
  const out: number[] = [];
  for (const match of text.matchAll(pattern)) {
    for (const token of bytePairEncode(toBinary(match[0]), table.ranks)) out.push(token);
  }
  return out;
}

/**
 * Even the fast merge is quadratic in one pre-token's length, so a pathological run
 * (100,000 "=" or a book of CJK without punctuation) is cut into pieces first. Ordinary
 * text has no run this long and is counted exactly; a cut run may differ from the real
 * tokenizer by about a token per cut, which the callers' headroom absorbs.
 */
const LONG_RUN = /[\p{L}\p{M}]{512,}|[^\s\p{L}\p{N}]{512,}|\s{512,}/gu;
const RUN_PIECE_CHARS = 256;

/** The o200k_base tokens of `text` (exported for tests, which compare it with js-tiktoken's encode). */
export function encodeTokens(text: string): number[] {
  const out: number[] = [];
  const add = (part: string): void => {
    for (const token of encodePart(part)) out.push(token);
  };
  let pos = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    if (match.index > pos) add(text.slice(pos, match.index));
    const chars = Array.from(match[0]);
    for (let i = 0; i < chars.length; i += RUN_PIECE_CHARS) add(chars.slice(i, i + RUN_PIECE_CHARS).join(''));
    pos = match.index + match[0].length;
  }
  if (pos < text.length) add(text.slice(pos));
  return out;
}

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : encodeTokens(text).length;
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
  const tokens = countTokens(text);
  if (tokens <= maxTokens) return [text];
  const units: Unit[] = [];
  collectUnits({ text, tokens }, maxTokens, 0, units);
  return pack(units, maxTokens);
}

/** From coarsest to finest; below the last comes the cut at token boundaries. */
const LEVELS: ReadonlyArray<(text: string) => string[]> = [splitParagraphs, splitSentences, splitWords];

/** Breaks a too-big unit into pieces that each fit, going one level finer only where needed. */
function collectUnits(unit: Unit, maxTokens: number, level: number, into: Unit[]): void {
  const split = LEVELS[level];
  if (!split) {
    splitByTokens(unit, maxTokens, into);
    return;
  }
  const pieces = split(unit.text);
  // Nothing to split at this level: go finer without counting the same text again.
  if (pieces.length === 1) {
    collectUnits(unit, maxTokens, level + 1, into);
    return;
  }
  for (const text of pieces) {
    const tokens = countTokens(text);
    if (tokens <= maxTokens) into.push({ text, tokens });
    else collectUnits({ text, tokens }, maxTokens, level + 1, into);
  }
}

/**
 * Last resort for a single "word" longer than the limit (base64, hex, a long run of
 * symbols): cut at token boundaries, backing off where a cut would split a character, so
 * each piece is an exact substring. Only a window a little larger than one piece is
 * encoded each time, which keeps a huge unbroken string linear. A single character that
 * alone needs more than `maxTokens` tokens (possible only for tiny limits) is kept whole.
 */
function splitByTokens(unit: Unit, maxTokens: number, into: Unit[]): void {
  const { table } = getEncoder();
  const text = unit.text;
  // Sized from this text's own characters per token, so one encode usually suffices.
  const charsPerToken = text.length / Math.max(1, unit.tokens);
  let pos = 0;
  while (pos < text.length) {
    let windowChars = Math.ceil(maxTokens * charsPerToken * 1.25) + 16;
    let tokens = encodeTokens(text.slice(pos, pos + windowChars));
    while (tokens.length <= maxTokens && pos + windowChars < text.length) {
      windowChars *= 2;
      tokens = encodeTokens(text.slice(pos, pos + windowChars));
    }
    tokens = tokens.slice(0, maxTokens);
    let piece = decodeTokens(table, tokens);
    let count = -1;
    // A decode ending mid-character yields U+FFFD and no longer matches the source; a
    // prefix may also re-encode to a token more than the slice it came from.
    while (tokens.length > 0) {
      if (text.startsWith(piece, pos) && (count = countTokens(piece)) <= maxTokens) break;
      tokens.pop();
      piece = decodeTokens(table, tokens);
    }
    if (tokens.length === 0) {
      piece = String.fromCodePoint(text.codePointAt(pos) ?? 0);
      count = countTokens(piece);
    }
    into.push({ text: piece, tokens: count });
    pos += piece.length;
  }
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
