/**
 * Byte-pair encoding for one pre-token, as OpenAI's tiktoken does it: each pair's rank
 * is looked up once and only the two neighbours of a merge are looked up again.
 *
 * js-tiktoken's own merge rebuilds a string key for every pair on every step — O(n²) key
 * builds per pre-token — which costs ~40 µs per character of CJK text and minutes for one
 * long run of symbols. This gives the same tokens (tests compare the two on varied text).
 *
 * Bytes travel as a "binary string" (one char per byte, latin1), so a pair's key is a
 * plain slice and the rank table holds short one-byte strings (see bpe-ranks.ts).
 */
export interface RankLookup {
  get(key: string): number | undefined;
}

const NONE = Number.POSITIVE_INFINITY;

export function bytePairEncode(bytes: string, ranks: RankLookup): number[] {
  if (bytes.length === 0) return [];
  const whole = ranks.get(bytes);
  if (whole !== undefined) return [whole];

  // starts[i] is where part i begins; starts has a sentinel at the end (bytes.length).
  // pairRank[i] is the rank of part i merged with part i+1 (NONE when unknown or absent).
  const starts: number[] = [];
  const pairRank: number[] = [];
  for (let i = 0; i <= bytes.length; i++) starts.push(i);
  const rankAt = (i: number): number =>
    i + 2 < starts.length ? (ranks.get(bytes.slice(starts[i]!, starts[i + 2]!)) ?? NONE) : NONE;
  for (let i = 0; i < starts.length; i++) pairRank.push(rankAt(i));

  for (;;) {
    // The lowest rank merges first; on a tie the leftmost, as in tiktoken.
    let best = NONE;
    let at = -1;
    for (let i = 0; i < pairRank.length - 1; i++) {
      if (pairRank[i]! < best) {
        best = pairRank[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pairRank.splice(at + 1, 1);
    pairRank[at] = rankAt(at);
    if (at > 0) pairRank[at - 1] = rankAt(at - 1);
  }

  const tokens: number[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const rank = ranks.get(bytes.slice(starts[i]!, starts[i + 1]!));
    // Every single byte has a rank in a byte-level BPE, so this only skips corrupt tables.
    if (rank !== undefined) tokens.push(rank);
  }
  return tokens;
}
