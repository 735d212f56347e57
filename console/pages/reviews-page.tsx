/**
 * The review queue: every job that waits for a person (`jobs(filter: { status:
 * [AWAITING_REVIEW] })`), with the output to review, an editor for it, a comment, and
 * Approve / Save edit / Reject (reviewJob). It follows tenantJobEvents, so a review asked
 * for or answered elsewhere appears or leaves while the page is open.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ClientError, Job, ReviewDecision } from '../../client/index.js';
import { useClient, useOnReconnect, useQuery } from '../api.js';
import { REVIEW_QUEUE, TENANT_EVENT_TYPES } from '../queries.js';
import { href } from '../router.js';
import { ErrorNotice, IdLink, Status } from '../ui/bits.js';
import { Time } from '../ui/time.js';

interface Waiting {
  id: string;
  kind: string;
  createdAt: string;
  steps: Array<{ name: string; status: string; review: { key: string; instructions: string | null; output: unknown; requestedAt: string; expiresAt: string | null } | null }>;
}

interface QueueData {
  jobs: { totalCount: number; edges: Array<{ node: Waiting }> };
}

/** Text to edit: a string as it is, anything else as formatted JSON. */
const asText = (output: unknown): string => (typeof output === 'string' ? output : JSON.stringify(output, null, 2));

function ReviewCard({ job, onAnswered }: { job: Waiting; onAnswered: (id: string, text: string) => void }) {
  const client = useClient();
  const step = job.steps.find((s) => s.status === 'AWAITING_REVIEW' && s.review);
  const review = step?.review;
  const original = review ? asText(review.output) : '';
  const [text, setText] = useState(original);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ClientError | Error | null>(null);
  if (!step || !review) return null;

  const answer = async (decision: ReviewDecision) => {
    setBusy(true);
    setError(null);
    try {
      let output: unknown;
      if (decision === 'EDIT') output = typeof review.output === 'string' ? text : JSON.parse(text);
      const done: Job = await client.reviewJob({ jobId: job.id, step: step.name, key: review.key, decision, ...(decision === 'EDIT' ? { output } : {}), ...(comment ? { comment } : {}) });
      onAnswered(job.id, `${decision === 'EDIT' ? 'Edited' : decision === 'APPROVE' ? 'Approved' : 'Rejected'}: job ${job.id.slice(0, 8)} is ${done.status}.`);
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`the edit is not valid JSON: ${err.message}`) : (err as ClientError));
      setBusy(false);
    }
  };

  const id = `review-${job.id}`;
  return (
    <article class="card review" aria-labelledby={`${id}-title`} data-review-job={job.id}>
      <h2 id={`${id}-title`}>
        <IdLink page="jobs" id={job.id} />{' '}
        {job.kind} · step <strong>{step.name}</strong>
      </h2>
      <p class="muted">
        Asked <Time iso={review.requestedAt} />
        {review.expiresAt ? (
          <>
            {' '}
            · answered by its timeout <Time iso={review.expiresAt} showExact />
          </>
        ) : null}
      </p>
      {review.instructions ? <p class="instructions">{review.instructions}</p> : null}
      <label for={`${id}-output`}>Output to review</label>
      <textarea id={`${id}-output`} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <label for={`${id}-comment`}>Comment (optional)</label>
      <input id={`${id}-comment`} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      <ErrorNotice error={error} />
      <div class="row" style={{ marginTop: '8px' }}>
        <button class="primary" disabled={busy} onClick={() => answer('APPROVE')}>
          Approve
        </button>
        <button disabled={busy || text === original} onClick={() => answer('EDIT')}>
          Save edit
        </button>
        <button class="danger" disabled={busy} onClick={() => answer('REJECT')}>
          Reject
        </button>
      </div>
    </article>
  );
}

export function ReviewsPage() {
  const client = useClient();
  const queue = useQuery<QueueData>(REVIEW_QUEUE);
  const [outcome, setOutcome] = useState<string | null>(null);
  useOnReconnect(queue.reload);
  const onEvent = useCallback(
    (data: { tenantJobEvents: { type: string } }) => {
      if (['REVIEW_REQUESTED', 'REVIEWED', 'CANCELLED'].includes(data.tenantJobEvents.type)) queue.reload();
    },
    [queue.reload],
  );
  useEffect(() => {
    const sub = client.subscribe(TENANT_EVENT_TYPES, {}, { next: onEvent, complete: () => {}, error: () => {} });
    return () => sub.stop();
  }, [client, onEvent]);

  const onAnswered = (id: string, text: string) => {
    setOutcome(text);
    queue.set((old) => (old ? { jobs: { totalCount: old.jobs.totalCount - 1, edges: old.jobs.edges.filter((e) => e.node.id !== id) } } : old));
  };
  const page = queue.data?.jobs;
  return (
    <div>
      <h1>Review queue</h1>
      {outcome ? (
        <div class="notice ok" role="status">
          {outcome}
        </div>
      ) : null}
      <ErrorNotice error={queue.error} />
      {page ? (
        <>
          <p data-testid="review-count">
            {page.totalCount === 0 ? 'No job waits for a review.' : page.totalCount === 1 ? '1 job waits for you.' : `${page.totalCount} jobs wait for you.`}
          </p>
          {page.edges.map((e) => (
            <ReviewCard key={e.node.id} job={e.node} onAnswered={onAnswered} />
          ))}
        </>
      ) : queue.loading ? (
        <p class="muted">Loading…</p>
      ) : null}
      <p>
        <a href={href('jobs', undefined, { status: 'AWAITING_REVIEW' })}>All jobs awaiting review</a> · <Status value="AWAITING_REVIEW" />
      </p>
    </div>
  );
}
