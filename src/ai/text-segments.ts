/**
 * Linear-time text splitting for chunking and the offline provider. Intl.Segmenter is
 * not used: V8 copies the whole input into every segment object, which makes it quadratic
 * (minutes, or out of memory, on a book-sized document).
 *
 * Every splitter returns pieces that concatenate back to the input exactly; separators
 * stay attached to the piece before them.
 */

/** A blank line (possibly holding spaces) ends a paragraph. */
const PARAGRAPH_END = /\n[ \t]*\r?\n\s*/g;
/** Terminal punctuation plus closing quotes/brackets, then whitespace; CJK stops need none. */
const SENTENCE_END = /[.!?…]+["'”’»)\]]*\s+|[。！？]+["'”’」』)\]]*\s*/gu;
/** Whitespace, or punctuation that joins parts of URLs, paths, identifiers and base64. */
const WORD_END = /\s+|[/+,;:|&=_-]/g;

export const splitParagraphs = (text: string): string[] => splitAfter(text, PARAGRAPH_END);
export const splitSentences = (text: string): string[] => splitAfter(text, SENTENCE_END);
export const splitWords = (text: string): string[] => splitAfter(text, WORD_END);

/** Cuts after every match of the global regex `separator`. */
export function splitAfter(text: string, separator: RegExp): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(separator)) {
    const end = match.index + match[0].length;
    if (end > start) pieces.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}
