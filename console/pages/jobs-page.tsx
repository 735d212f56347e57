/** Jobs, newest first: filters by status, kind and batch, paging, rows that change live. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ExecutionMode, JobStatus } from '../../client/index.js';
import { useClient, useOnReconnect, useQuery } from '../api.js';
import { JOBS, TENANT_EVENTS, JOB_KINDS } from '../queries.js';
import { href } from '../router.js';
import { ErrorNotice, IdLink, Mode, Status } from '../ui/bits.js';
import { Pager } from '../ui/pager.js';
import { Time } from '../ui/time.js';

export interface JobRow {
  id: string;
  kind: string;
  status: JobStatus;
  executionMode: ExecutionMode;
  createdAt: string;
  finishedAt: string | null;
  progress: { completed: number; total: number; percent: number; message: string | null };
  batch: { id: string } | null;
}

interface JobsData {
  jobs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: JobRow }> };
}

const STATUSES: JobStatus[] = ['QUEUED', 'SCHEDULED', 'RUNNING', 'AWAITING_REVIEW', 'AWAITING_BATCH', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export function JobsTable({ rows }: { rows: JobRow[] }) {
  if (rows.length === 0) return <p class="muted">No jobs.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Kind</th>
            <th>Status</th>
            <th>Progress</th>
            <th class="wide">Created</th>
            <th class="wide">Batch</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((j) => (
            <tr key={j.id} data-job-id={j.id}>
              <td>
                <IdLink page="jobs" id={j.id} />
              </td>
              <td>
                {j.kind}
                <Mode value={j.executionMode} />
              </td>
              <td>
                <Status value={j.status} />
              </td>
              <td>{j.progress.message ?? `${j.progress.completed} / ${j.progress.total}`}</td>
              <td class="wide">
                <Time iso={j.createdAt} />
              </td>
              <td class="wide">{j.batch ? <IdLink page="batches" id={j.batch.id} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function JobsPage({ query }: { query: URLSearchParams }) {
  const client = useClient();
  const status = query.get('status') ?? '';
  const kind = query.get('kind') ?? '';
  const batchId = query.get('batch') ?? '';
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const after = cursors[cursors.length - 1];
  const filter = { ...(status ? { status: [status] } : {}), ...(kind ? { kind } : {}), ...(batchId ? { batchId } : {}) };
  const jobs = useQuery<JobsData>(JOBS, { filter, after });
  const kinds = useQuery<{ jobKinds: Array<{ name: string }> }>(JOB_KINDS);
  useEffect(() => setCursors([null]), [status, kind, batchId]);
  useOnReconnect(jobs.reload);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    location.hash = href('jobs', undefined, Object.fromEntries(next));
  };

  // Live rows: a known row changes in place; a new job joins the first page when it fits the filter.
  const onEvent = useCallback(
    (data: { tenantJobEvents: { job: JobRow } }) => {
      const job = data.tenantJobEvents.job;
      jobs.set((old) => {
        if (!old) return old;
        const edges = old.jobs.edges;
        const i = edges.findIndex((e) => e.node.id === job.id);
        if (i >= 0) return { jobs: { ...old.jobs, edges: edges.map((e, k) => (k === i ? { node: job } : e)) } };
        const fits = (!status || job.status === status) && (!kind || job.kind === kind) && (!batchId || job.batch?.id === batchId);
        if (after !== null || !fits) return old;
        return { jobs: { ...old.jobs, totalCount: old.jobs.totalCount + 1, edges: [{ node: job }, ...edges].slice(0, 20) } };
      });
    },
    [status, kind, batchId, after],
  );
  useEffect(() => {
    const sub = client.subscribe(TENANT_EVENTS, {}, { next: onEvent, complete: () => {}, error: () => {} });
    return () => sub.stop();
  }, [client, onEvent]);

  const page = jobs.data?.jobs;
  return (
    <div>
      <h1>Jobs</h1>
      <div class="filters" role="search">
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" value={status} onChange={(e) => setFilter('status', e.currentTarget.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-kind">Kind</label>
          <select id="f-kind" value={kind} onChange={(e) => setFilter('kind', e.currentTarget.value)}>
            <option value="">Any</option>
            {(kinds.data?.jobKinds ?? []).map((k) => (
              <option key={k.name} value={k.name}>
                {k.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-batch">Batch id</label>
          <input id="f-batch" value={batchId} onChange={(e) => setFilter('batch', e.currentTarget.value.trim())} />
        </div>
      </div>
      <ErrorNotice error={jobs.error} />
      {page ? (
        <>
          <p class="muted">{page.totalCount} jobs</p>
          <JobsTable rows={page.edges.map((e) => e.node)} />
          <Pager cursors={cursors} setCursors={setCursors} pageInfo={page.pageInfo} />
        </>
      ) : jobs.loading ? (
        <p class="muted">Loading…</p>
      ) : null}
    </div>
  );
}
