/**
 * Group commit: items submitted while a write is under way go out together in the next one,
 * so that N callers at once cost about one statement instead of N. The server runs statements
 * one at a time (FerretDB over SQLite) and a round trip costs far more than a document, so
 * this is most of the price of a burst.
 *
 * Nothing waits on a timer: the first item goes out at once, alone; what arrives while it is
 * out rides along in the next write. Each item gets its own outcome from the write (the i-th
 * result), or the write's error.
 */

interface Waiting<I, O> {
  item: I;
  resolve: (outcome: O) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<I, O> {
  private waiting: Array<Waiting<I, O>> = [];
  private writing: Promise<void> | null = null;

  /**
   * @param write writes a batch, in submission order, and returns one outcome per item.
   * @param maxBatch the most items one write carries.
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves with this item's outcome once the write that carried it is done. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Whether a write is under way or items wait for one. */
  get busy(): boolean {
    return this.writing !== null;
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const outcomes = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    // In the same turn as the last check: an item submitted from here on starts a new drain.
    this.writing = null;
  }
}
