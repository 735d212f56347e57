/** Relay-style connections from a page of items and a cursor function. */
import { encodeCursor } from '../jobs/index.js';

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export function toConnection<D, T>(
  page: { items: D[]; hasNextPage: boolean; totalCount: number },
  cursorOf: (d: D) => string,
  map: (d: D) => T,
): Connection<T> {
  const edges = page.items.map((d) => ({ cursor: cursorOf(d), node: map(d) }));
  return {
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.length > 0 ? edges[edges.length - 1]!.cursor : null },
    totalCount: page.totalCount,
  };
}

/** The cursor of a document in a newest-first page ordered by (createdAt, _id). */
export const docCursor = (d: { createdAt: Date; _id: string }): string => encodeCursor({ createdAt: d.createdAt, id: d._id });
