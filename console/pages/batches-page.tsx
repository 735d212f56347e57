/** Batches, newest first; one batch with its live progress bar, counts, jobs and Cancel. */
import { useEffect, useState } from 'preact/hooks';
import type { Batch, ClientError, Usage } from '../../client/index.js';
import { useClient, useQuery } from '../api.js';
import { BATCHES, BATCH_PAGE, CANCEL_BATCH } from '../queries.js';
import { href } from '../router.js';
import { Bar, ErrorNotice, IdLink, Section, Status, UsageCards } from '../ui/bits.js';
import { Pager } from '../ui/pager.js';
import { Time } from '../ui/time.js';
import { JobsTable, type JobRow } from './jobs-page.js';

interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ node: T }>;
}

export function BatchesPage() {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const list = useQuery<{ batches: Page<Batch> }>(BATCHES, { after: cursors[cursors.length - 1] });
  const page = list.data?.batches;
  return (
    <div>
      <h1>Batches</h1>
      <ErrorNotice error={list.error} />
      {page ? (
        <>
          <p class="muted">{page.totalCount} batches</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Batch</th>
                  <th>Status</th>
                  <th>Progress</th>
                  <th class="wide">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.edges.map(({ node: b }) => (
                  <tr key={b.id}>
                    <td>
                      <IdLink page="batches" id={b.id} />
                    </td>
                    <td>
                      <Status value={b.status} />
                    </td>
                    <td>{b.progress.message ?? `${b.progress.completed} of ${b.progress.total}`}</td>
                    <td class="wide">
                      <Time iso={b.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager cursors={cursors} setCursors={setCursors} pageInfo={page.pageInfo} />
        </>
      ) : null}
    </div>
  );
}

type FullBatch = Batch & { usage: Usage; jobs: Page<JobRow> };

export function BatchPage({ id }: { id: string }) {
  const client = useClient();
  const loaded = useQuery<{ batch: FullBatch | null }>(BATCH_PAGE, { id });
  const [live, setLive] = useState<Batch | null>(null);
  const [error, setError] = useState<ClientError | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  useEffect(() => {
    setLive(null);
    const watch = client.watchBatch<Batch>(id, {
      onBatch: (b) => {
        setLive(b);
        loaded.reload();
      },
      onError: setError,
    });
    return () => watch.stop();
  }, [client, id]);

  const full = loaded.data?.batch;
  if (loaded.error) return <ErrorNotice error={loaded.error} />;
  if (!full) return loaded.loading ? <p class="muted">Loading…</p> : <div class="notice error">Batch {id} was not found.</div>;
  const b = live ?? full;
  const cancel = async () => {
    try {
      const data = await client.request<{ cancelBatch: Batch }>(CANCEL_BATCH, { id });
      setLive(data.cancelBatch);
      setOutcome(`Cancel requested: the batch is ${data.cancelBatch.status}.`);
    } catch (err) {
      setError(err as ClientError);
    }
  };
  const counts: Array<[string, number]> = [
    ['Total', b.total],
    ['Queued', b.queued],
    ['Running', b.running],
    ['Succeeded', b.succeeded],
    ['Failed', b.failed],
    ['Cancelled', b.cancelled],
  ];
  return (
    <div>
      <h1>
        Batch <span class="mono">{b.id}</span>
      </h1>
      <div class="row">
        <Status value={b.status} />
        <span class="muted">
          created <Time iso={b.createdAt} showExact />
        </span>
        <span class="spacer" />
        <button class="danger" disabled={b.status !== 'RUNNING'} onClick={cancel}>
          Cancel batch
        </button>
      </div>
      {outcome ? (
        <div class="notice ok" role="status">
          {outcome}
        </div>
      ) : null}
      <ErrorNotice error={error} />
      <Bar progress={b.progress} label="Batch progress" />
      <div class="grid" data-testid="batch-counts">
        {counts.map(([k, v]) => (
          <div class="card" key={k}>
            <div class="k">{k}</div>
            <div class="v">{v}</div>
          </div>
        ))}
      </div>
      <Section title="Usage">
        <UsageCards usage={full.usage} />
      </Section>
      <Section title={`Jobs (${full.jobs.totalCount})`}>
        <JobsTable rows={full.jobs.edges.map((e) => e.node)} />
        <p>
          <a href={href('jobs', undefined, { batch: b.id })}>All of this batch's jobs, with filters</a>
        </p>
      </Section>
    </div>
  );
}
