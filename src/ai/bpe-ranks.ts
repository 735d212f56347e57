/**
 * A BPE rank table kept small. js-tiktoken's `Tiktoken` holds, for o200k_base's ~200k
 * tokens, a Map keyed by "104,101,108" decimal strings plus a Uint8Array per token for
 * decoding: ~63 MB of heap, and building it left a worker ~124 MB bigger. Here each token
 * is one binary string (one char per byte), used both as the rank key and, through an
 * array indexed by rank, for decoding: the same tokens in ~a fifth of the memory.
 */
export interface RankTable {
  /** Binary string of a token's bytes → its rank. */
  ranks: Map<string, number>;
  /** Rank → binary string of its bytes (holes where the file skips a rank). */
  bytesOf: string[];
}

/**
 * Parses js-tiktoken's compressed rank file (`bpe_ranks`): lines of
 * "<ignored> <first rank> <base64 token> <base64 token> …", ranks consecutive within a line.
 */
export function parseRanks(bpeRanks: string): RankTable {
  const ranks = new Map<string, number>();
  const bytesOf: string[] = [];
  for (const line of bpeRanks.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1] ?? '', 10);
    for (let i = 2; i < fields.length; i++) {
      const bytes = Buffer.from(fields[i]!, 'base64').toString('latin1');
      ranks.set(bytes, offset + i - 2);
      bytesOf[offset + i - 2] = bytes;
    }
  }
  return { ranks, bytesOf };
}

/** The UTF-8 bytes of `text` as a binary string. */
export const toBinary = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** The text of `tokens`; a cut inside a character decodes to U+FFFD, as TextDecoder does. */
export function decodeTokens(table: RankTable, tokens: readonly number[]): string {
  let bytes = '';
  for (const t of tokens) bytes += table.bytesOf[t] ?? '';
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
