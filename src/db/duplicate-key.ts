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

/**
 * Inserts each of `docs` in one statement, going on past duplicates: for each, true when this
 * call inserted it, false when its unique key was taken. Any other failure is thrown, after
 * which some of the documents may be stored: callers repeat with the same keys.
 */
export async function insertEachUnlessTaken<T extends Document>(collection: Collection<T>, docs: ReadonlyArray<OptionalUnlessRequiredId<T>>): Promise<boolean[]> {
  const inserted = docs.map(() => true);
  if (docs.length === 0) return inserted;
  try {
    await collection.insertMany([...docs], { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
    const errors = Array.isArray(writeErrors) ? (writeErrors as Array<{ index: number; code?: unknown }>) : [];
    if (errors.length === 0 || errors.some((e) => !isDuplicateKeyError(e))) throw err;
    for (const e of errors) inserted[e.index] = false;
  }
  return inserted;
}

/**
 * For an ordered insertMany that failed on a duplicate `_id`: how many documents went in
 * before it. -1 for any other failure.
 */
export function writtenBeforeDuplicate(err: unknown): number {
  if (typeof err !== 'object' || err === null) return -1;
  const e = err as { code?: unknown; writeErrors?: unknown };
  // The driver gives one write error as an object, several as an array.
  const raw = e.writeErrors;
  const writeErrors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: unknown; index?: unknown }>;
  if (writeErrors.length > 0) {
    const first = writeErrors[0]!;
    return first.code === 11000 && typeof first.index === 'number' ? first.index : -1;
  }
  return e.code === 11000 ? 0 : -1;
}
