/** E11000: the unique index said no. Used for claims that must hold on FerretDB too. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
