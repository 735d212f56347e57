/**
 * Opaque cursors for newest-first pagination over (createdAt, _id). A cursor that does
 * not decode is reported by the caller as BAD_USER_INPUT on `after`.
 */
export interface PagePosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(p: PagePosition): string {
  return Buffer.from(JSON.stringify([p.createdAt.getTime(), p.id])).toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string') {
      return { createdAt: new Date(v[0] as number), id: v[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** The filter that selects documents strictly after `p` in (createdAt desc, _id desc) order. */
export function afterFilter(p: PagePosition): Record<string, unknown> {
  return { $or: [{ createdAt: { $lt: p.createdAt } }, { createdAt: p.createdAt, _id: { $lt: p.id } }] };
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  totalCount: number;
}
