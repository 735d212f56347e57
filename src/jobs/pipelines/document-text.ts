/**
 * Pure text preparation for document.analyze: normalisation and the chunk budget. The
 * `summarize` step recomputes the chunks from the input with these same functions rather
 * than storing them, so a resumed job sees exactly the chunks the first attempt saw.
 */
import { splitIntoChunks } from '../../ai/index.js';

/** Room kept for the instructions around a chunk and for the answer. */
const PROMPT_RESERVE_TOKENS = 800;
/** Other models' tokenizers count a little differently from o200k: keep 10% headroom. */
const TOKENIZER_HEADROOM = 0.9;
const MIN_CHUNK_TOKENS = 64;

export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function chunkBudget(contextTokens: number): number {
  return Math.max(MIN_CHUNK_TOKENS, Math.floor((contextTokens - PROMPT_RESERVE_TOKENS) * TOKENIZER_HEADROOM));
}

export function documentChunks(text: string, contextTokens: number): string[] {
  return splitIntoChunks(normaliseText(text), chunkBudget(contextTokens));
}
