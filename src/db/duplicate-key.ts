/**
 * Exclusivity through unique keys: the duplicate-key error, and "insert, or report that the key
 * is taken". A unique index holds on FerretDB too, where conditional updates are not atomic.
 */
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

/** E11000: the unique index said no. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** Inserts `doc`; true when this call inserted it, false when a document with its unique key exists. */
export async function insertUnlessTaken<T extends Document>(collection: Collection<T>, doc: OptionalUnlessRequiredId<T>): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}
