/**
 * Group commit for keyed inserts: inserts asked for while one is under way go out together
 * in the next statement (`insertMany`, unordered), so that N callers at once cost about one
 * statement instead of N. The server runs statements one at a time (FerretDB over SQLite),
 * and a round trip costs far more than a document, so this is most of the price of a burst.
 *
 * Nothing waits on a timer: the first insert goes out at once, alone; what arrives while it
 * is out rides along in the next one. Each insert keeps its own outcome: true when this
 * call stored the document, false when its unique key was taken, or the statement's error.
 */
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import { insertEachUnlessTaken } from './duplicate-key.js';

interface Waiting<T> {
  doc: OptionalUnlessRequiredId<T>;
  resolve: (inserted: boolean) => void;
  reject: (err: unknown) => void;
}

/** The most documents one statement carries. */
const MAX_BATCH = 500;

export class InsertBatcher<T extends Document> {
  private waiting: Array<Waiting<T>> = [];
  private inserting = false;

  constructor(private readonly collection: Collection<T>) {}

  /** Inserts `doc`; true when this call stored it, false when a document with its unique key exists. */
  insert(doc: OptionalUnlessRequiredId<T>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ doc, resolve, reject });
      if (!this.inserting) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inserting = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          const inserted = await insertEachUnlessTaken(this.collection, batch.map((w) => w.doc));
          batch.forEach((w, i) => w.resolve(inserted[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.inserting = false;
    }
  }
}
