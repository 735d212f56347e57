/**
 * One job: its steps as a timeline, an agent's turns and tool calls, the event log arriving
 * live (resumed exactly by afterSequence after a drop), result and error as collapsible JSON,
 * usage, webhook deliveries, and Cancel / Retry with their outcome.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { JOB_EVENT_FIELDS, TERMINAL_JOB_STATUSES, type ClientError, type Job, type JobStep } from '../../client/index.js';
import { useClient, useQuery } from '../api.js';
import { CANCEL_JOB, JOB_PAGE, RETRY_JOB } from '../queries.js';
import { href } from '../router.js';
import { ErrorNotice, Json, Mode, money, Section, Status, UsageCards } from '../ui/bits.js';
import { duration, Time } from '../ui/time.js';
import { AGENT_ACTIVITY_FIELDS, AgentActivityList, type AgentJobEvent } from './agent-activity.js';
import { DeliveriesTable, type Delivery } from './deliveries-table.js';

type FullJob = Job & { input: unknown; result: unknown; metadata: unknown; idempotencyKey: string | null; webhookDeliveries: Array<Delivery & { endpoint: { id: string; url: string } }> };

function StepItem({ step }: { step: JobStep }) {
  return (
    <li class={step.status} data-step={step.name}>
      <div class="row">
        <strong>{step.name}</strong> <Status value={step.status} />
        <span class="muted">
          attempts {step.attempts} · {duration(step.durationMs)} · {step.usage.totalTokens.toLocaleString()} tokens · {money(step.usage.costUsd)}
        </span>
      </div>
      {step.progress && step.progress.total > 0 ? (
        <div class="muted">
          {step.progress.message ?? `${step.progress.completed} of ${step.progress.total}`}
        </div>
      ) : step.message ? (
        <div class="muted">{step.message}</div>
      ) : null}
      {step.error ? (
        <div class="field-error">
          {step.error.code}: {step.error.message}
        </div>
      ) : null}
      {step.review ? <ReviewLine review={step.review} /> : null}
    </li>
  );
}

/** A step's review: waiting (with a link to the queue), or who answered what, when, and why. */
function ReviewLine({ review }: { review: NonNullable<JobStep['review']> }) {
  const a = review.answer;
  if (!a) {
    return (
      <div class="muted" data-testid="review-waiting">
        Waiting for a review{review.instructions ? `: ${review.instructions}` : ''} · <a href={href('reviews')}>answer it in the review queue</a>
      </div>
    );
  }
  return (
    <div class="muted" data-testid="review-answer">
      Review: <strong>{a.decision}</strong> by {a.via === 'TIMEOUT' ? 'its timeout' : `${a.via}${a.by ? ` ${a.by}` : ''}`} <Time iso={a.at} />
      {a.comment ? ` · “${a.comment}”` : ''}
    </div>
  );
}

export function JobPage({ id }: { id: string }) {
  const client = useClient();
  const loaded = useQuery<{ job: FullJob | null }>(JOB_PAGE, { id });
  const [job, setJob] = useState<Job | null>(null);
  const [events, setEvents] = useState<AgentJobEvent[]>([]);
  const [watchError, setWatchError] = useState<ClientError | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const lastSeq = useRef(0);

  useEffect(() => {
    setEvents([]);
    setJob(null);
    lastSeq.current = 0;
  }, [id]);

  useEffect(() => {
    const watch = client.watchJob<AgentJobEvent>(
      id,
      {
        onEvent: (e) => {
          lastSeq.current = e.sequence;
          setEvents((old) => [...old, e]);
          setJob(e.job);
          if (TERMINAL_JOB_STATUSES.has(e.job.status)) loaded.reload();
        },
        onError: setWatchError,
      },
      { afterSequence: lastSeq.current, fields: `${JOB_EVENT_FIELDS} ${AGENT_ACTIVITY_FIELDS}` },
    );
    return () => watch.stop();
  }, [client, id, round]);

  const full = loaded.data?.job;
  if (loaded.error) return <ErrorNotice error={loaded.error} />;
  if (!full) return loaded.loading ? <p class="muted">Loading…</p> : <div class="notice error">Job {id} was not found.</div>;
  const now = job && job.id === full.id ? { ...full, ...job } : full;
  const finished = TERMINAL_JOB_STATUSES.has(now.status);

  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setOutcome(null);
    try {
      const data = await client.request<{ cancelJob?: Job; retryJob?: Job }>(what === 'cancel' ? CANCEL_JOB : RETRY_JOB, { id });
      const next = (data.cancelJob ?? data.retryJob)!;
      setJob(next);
      setOutcome({ ok: true, text: what === 'cancel' ? `Cancel requested: the job is ${next.status}.` : `Retry started: the job is ${next.status}.` });
      if (what === 'retry') setRound((r) => r + 1);
    } catch (err) {
      setOutcome({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <h1>
        Job <span class="mono">{now.id}</span>
      </h1>
      <div class="row">
        <span data-testid="job-status">
          <Status value={now.status} />
        </span>
        <span>
          {now.kind}
          <Mode value={now.executionMode} always />
        </span>
        <span class="muted">
          attempt {now.attempt} of {now.maxAttempts}
        </span>
        {now.batch ? (
          <a href={href('batches', now.batch.id)}>
            batch <span class="mono">{now.batch.id.slice(0, 8)}</span>
          </a>
        ) : null}
        <span class="spacer" />
        <button class="danger" disabled={busy || finished} onClick={() => act('cancel')}>
          Cancel
        </button>
        <button disabled={busy || !(now.status === 'FAILED' || now.status === 'CANCELLED')} onClick={() => act('retry')}>
          Retry
        </button>
      </div>
      {outcome ? (
        <div class={`notice ${outcome.ok ? 'ok' : 'error'}`} role="status">
          {outcome.text}
        </div>
      ) : null}
      <p class="muted">
        Created <Time iso={now.createdAt} showExact /> · started <Time iso={now.startedAt} /> · finished <Time iso={now.finishedAt} />
      </p>
      <p aria-live="polite" data-testid="job-progress">
        {now.progress.message ?? `${now.progress.completed} of ${now.progress.total} steps`}
      </p>

      <Section title="Steps">
        <ol class="timeline" data-testid="steps">
          {now.steps.map((s) => (
            <StepItem key={s.index} step={s} />
          ))}
        </ol>
      </Section>

      <AgentActivityList events={events} />

      {now.error ? (
        <Section title="Error">
          <div class="notice error">
            <strong>{now.error.code}</strong>: {now.error.message} {now.error.step ? `(step ${now.error.step})` : ''}
          </div>
        </Section>
      ) : null}
      <Section title="Result">
        {full.result !== null && full.result !== undefined ? <Json value={full.result} label="Result JSON" open /> : <p class="muted">No result yet.</p>}
        <Json value={full.input} label="Input JSON" />
        <Json value={full.metadata} label="Metadata" />
      </Section>

      <Section title="Usage">
        <UsageCards usage={now.usage} saving />
        {now.batchFallback ? (
          <p class="muted" data-testid="batch-fallback">
            Stopped waiting for the provider's batch ({now.batchFallback}): the rest of its calls were made at once.
          </p>
        ) : null}
      </Section>

      <Section title="Event log">
        <ErrorNotice error={watchError} />
        <div class="log">
          <table data-testid="event-log">
            <thead>
              <tr>
                <th>#</th>
                <th>Event</th>
                <th>Step</th>
                <th>Message</th>
                <th class="wide">At</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} data-sequence={e.sequence}>
                  <td>{e.sequence}</td>
                  <td>{e.type}</td>
                  <td>{e.step?.name ?? ''}</td>
                  <td>{e.message ?? e.step?.message ?? ''}</td>
                  <td class="wide">
                    <Time iso={e.at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <Section title="Webhook deliveries">
        <DeliveriesTable deliveries={full.webhookDeliveries} onChanged={loaded.reload} />
      </Section>
    </div>
  );
}
