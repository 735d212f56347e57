/** The tenant's AI calls, tokens and cost. */
import type { Usage } from '../../client/index.js';
import { useQuery } from '../api.js';
import { VIEWER } from '../queries.js';
import { ErrorNotice, UsageCards } from '../ui/bits.js';

export function UsagePage() {
  const viewer = useQuery<{ viewer: { id: string; name: string; usage: Usage } }>(VIEWER);
  return (
    <div>
      <h1>Usage</h1>
      <ErrorNotice error={viewer.error} />
      {viewer.data ? (
        <>
          <p>
            Tenant <strong>{viewer.data.viewer.name}</strong> <span class="muted mono">{viewer.data.viewer.id}</span>
          </p>
          <UsageCards usage={viewer.data.viewer.usage} />
          <p>
            <button onClick={viewer.reload}>Refresh</button>
          </p>
        </>
      ) : null}
    </div>
  );
}
