/**
 * Where a file's chunks are, without a query: chunk `n` of file `id` has the `_id`
 * `<id>:<n>` (GridFS lets a chunk have any `_id`; readers find chunks by `files_id` and `n`,
 * which we also store). So a download, a delete and a sweep reach each chunk by `_id` alone,
 * the one lookup FerretDB answers from an index, and cost the file, not the store.
 */

/** The value of `metadata.chunkIds` in `<bucket>.files`: this layout, against GridFSBucket's ObjectIds. */
export const CHUNK_IDS_BY_N = '<files_id>:<n>';

export const chunkId = (fileId: string, n: number): string => `${fileId}:${n}`;

/** How many chunks a file of `length` bytes has (GridFS: every chunk full but the last; none when empty). */
export const chunksOf = (length: number, chunkSize: number): number => Math.ceil(length / chunkSize);

/**
 * How many chunks are stored, when they are known to be chunks 0 … k−1 and no others: an
 * upload writes chunk n only once n−1 is stored, and a delete removes them from the last
 * down. `exists(n)` is one `_id` lookup; this asks it about 2·log2(k) times, not k.
 */
export async function storedPrefix(exists: (n: number) => Promise<boolean>): Promise<number> {
  if (!(await exists(0))) return 0;
  // Double until a chunk is missing: k lies in (low, high].
  let low = 0;
  let high = 1;
  while (await exists(high)) {
    low = high;
    high *= 2;
  }
  // Invariant: chunk `low` exists, chunk `high` does not.
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(mid)) low = mid;
    else high = mid;
  }
  return high;
}
