/** Newest-first paging over a connection: ← Newer and Older →. */

type Cursors = Array<string | null>;

/** ← Newer goes back one page; Older → follows the page's endCursor. Buttons never submit a form. */
export function Pager({ cursors, setCursors, pageInfo }: { cursors: Cursors; setCursors: (update: (c: Cursors) => Cursors) => void; pageInfo: { hasNextPage: boolean; endCursor: string | null } }) {
  return (
    <div class="row" style={{ marginTop: '8px' }}>
      <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
        ← Newer
      </button>
      <button type="button" disabled={!pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, pageInfo.endCursor])}>
        Older →
      </button>
    </div>
  );
}
