/**
 * Schedules: the tenant's recurring schedules (next and last run, last error, recent jobs)
 * with Edit / Pause / Resume / Delete, a form that creates one, and the jobs waiting for their
 * start time (status SCHEDULED).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ClientError } from '../../client/index.js';
import { useClient, useQuery } from '../api.js';
import { SCHEDULE_FIELDS, SCHEDULES, TENANT_EVENT_TYPES, JOB_KINDS } from '../queries.js';
import { ErrorNotice, IdLink, Status } from '../ui/bits.js';
import { Time } from '../ui/time.js';

interface Schedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  status: 'ACTIVE' | 'PAUSED';
  job: { kind: string; input?: unknown };
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastError: string | null;
  createdAt: string;
  recentJobs: Array<{ id: string; status: string; createdAt: string }>;
}

interface SchedulesData {
  schedules: Schedule[];
  jobs: { totalCount: number; edges: Array<{ node: { id: string; kind: string; createdAt: string; runAt: string | null } }> };
}

const ACTION = {
  pause: `mutation($id: ID!) { pauseSchedule(id: $id) { ${SCHEDULE_FIELDS} } }`,
  resume: `mutation($id: ID!) { resumeSchedule(id: $id) { ${SCHEDULE_FIELDS} } }`,
  delete: `mutation($id: ID!) { deleteSchedule(id: $id) }`,
} as const;
const CREATE = `mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ${SCHEDULE_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateScheduleInput!) { updateSchedule(id: $id, input: $input) { ${SCHEDULE_FIELDS} } }`;

interface FormValues {
  name: string;
  cron: string;
  timezone: string;
  kind: string;
  input: string;
}

const NEW_SCHEDULE: FormValues = {
  name: '',
  cron: '0 7 * * *',
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  kind: 'chain',
  input: '{\n  "steps": [{ "name": "summary", "prompt": "Summarise yesterday\'s tickets." }]\n}',
};

/** The fields of a schedule, for creating one or editing one (`prefix` keeps the two forms' ids apart). */
function ScheduleForm(props: { label: string; prefix: string; initial: FormValues; submitLabel: string; save: (v: FormValues, input: unknown) => Promise<void>; onCancel?: () => void }) {
  const { prefix } = props;
  const kinds = useQuery<{ jobKinds: Array<{ name: string }> }>(JOB_KINDS);
  const [v, setV] = useState(props.initial);
  const set = (field: keyof FormValues) => (e: { currentTarget: { value: string } }) => setV({ ...v, [field]: e.currentTarget.value });
  const [error, setError] = useState<ClientError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await props.save(v, JSON.parse(v.input));
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`the job input is not valid JSON: ${err.message}`) : (err as ClientError));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label={props.label}>
      <div class="filters">
        <div>
          <label for={`${prefix}-name`}>Name</label>
          <input id={`${prefix}-name`} value={v.name} required onInput={set('name')} />
        </div>
        <div>
          <label for={`${prefix}-cron`}>Cron (5 fields, or 6 with seconds)</label>
          <input id={`${prefix}-cron`} class="mono" value={v.cron} required onInput={set('cron')} />
        </div>
        <div>
          <label for={`${prefix}-tz`}>Time zone</label>
          <input id={`${prefix}-tz`} value={v.timezone} onInput={set('timezone')} />
        </div>
        <div>
          <label for={`${prefix}-kind`}>Kind</label>
          <select id={`${prefix}-kind`} value={v.kind} onChange={set('kind')}>
            {(kinds.data?.jobKinds ?? [{ name: v.kind }]).map((k) => (
              <option key={k.name} value={k.name}>
                {k.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label for={`${prefix}-input`}>Job input (JSON)</label>
      <textarea id={`${prefix}-input`} class="mono" value={v.input} onInput={set('input')} />
      <ErrorNotice error={error} />
      <div class="row">
        <button class="primary" disabled={busy} type="submit">
          {props.submitLabel}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function CreateForm({ onCreated }: { onCreated: () => void }) {
  const client = useClient();
  // A new form (default fields) after each creation.
  const [round, setRound] = useState(0);
  const save = async (v: FormValues, input: unknown) => {
    await client.request(CREATE, { input: { name: v.name, cron: v.cron, timezone: v.timezone, job: { kind: v.kind, input } } });
    setRound(round + 1);
    onCreated();
  };
  return <ScheduleForm key={round} label="New schedule" prefix="s" initial={NEW_SCHEDULE} submitLabel="Create schedule" save={save} />;
}

/** Changes the schedule in place (updateSchedule): the job's other fields (priority, model, metadata…) stay as they are. */
function EditForm({ schedule: s, onDone }: { schedule: Schedule; onDone: () => void }) {
  const client = useClient();
  const initial = { name: s.name, cron: s.cron, timezone: s.timezone, kind: s.job.kind, input: JSON.stringify(s.job.input ?? {}, null, 2) };
  const save = async (v: FormValues, input: unknown) => {
    await client.request(UPDATE, { id: s.id, input: { name: v.name, cron: v.cron, timezone: v.timezone, job: { ...s.job, kind: v.kind, input } } });
    onDone();
  };
  return <ScheduleForm label="Edit schedule" prefix="e" initial={initial} submitLabel="Save changes" save={save} onCancel={onDone} />;
}

export function SchedulesPage() {
  const client = useClient();
  const data = useQuery<SchedulesData>(SCHEDULES);
  const [error, setError] = useState<ClientError | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  // At most one reload a second, however busy the tenant is.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onEvent = useCallback(() => {
    pending.current ??= setTimeout(() => {
      pending.current = null;
      data.reload();
    }, 1_000);
  }, [data.reload]);
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);
  useEffect(() => {
    // A tick's job or a start time reached shows up while the page is open.
    const next = (e: { tenantJobEvents: { type: string } }) => {
      if (['QUEUED', 'SCHEDULED'].includes(e.tenantJobEvents.type)) onEvent();
    };
    const sub = client.subscribe(TENANT_EVENT_TYPES, {}, { next, complete: () => {}, error: () => {} });
    return () => sub.stop();
  }, [client, onEvent]);

  const act = async (what: keyof typeof ACTION, id: string) => {
    setError(null);
    try {
      await client.request(ACTION[what], { id });
      data.reload();
    } catch (err) {
      setError(err as ClientError);
    }
  };
  const schedules = data.data?.schedules ?? [];
  const waiting = data.data?.jobs;
  const editingSchedule = schedules.find((s) => s.id === editing);
  return (
    <div>
      <h1>Schedules</h1>
      <ErrorNotice error={data.error ?? error} />
      {schedules.length === 0 ? (
        <p class="muted">{data.loading ? 'Loading…' : 'No schedules yet.'}</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="schedules">
            <thead>
              <tr>
                <th>Name</th>
                <th>Cron</th>
                <th>Status</th>
                <th>Next run</th>
                <th class="wide">Last run</th>
                <th class="wide">Recent jobs</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {schedules.map((s) => (
                <tr key={s.id} data-schedule={s.name}>
                  <td>
                    {s.name} <span class="muted">{s.job.kind}</span>
                    {s.lastError ? <div class="field-error">{s.lastError}</div> : null}
                  </td>
                  <td class="mono">
                    {s.cron} <span class="muted">{s.timezone}</span>
                  </td>
                  <td>
                    <Status value={s.status} />
                  </td>
                  <td>{s.nextRunAt ? <Time iso={s.nextRunAt} showExact /> : '—'}</td>
                  <td class="wide">{s.lastRunAt ? <Time iso={s.lastRunAt} /> : '—'}</td>
                  <td class="wide">
                    {s.recentJobs.slice(0, 5).map((j) => (
                      <IdLink key={j.id} page="jobs" id={j.id} style={{ marginRight: '6px' }} />
                    ))}
                  </td>
                  <td>
                    <div class="row">
                      <button onClick={() => setEditing(s.id)}>Edit</button>
                      {s.status === 'ACTIVE' ? <button onClick={() => act('pause', s.id)}>Pause</button> : <button onClick={() => act('resume', s.id)}>Resume</button>}
                      <button class="danger" onClick={() => act('delete', s.id)}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editingSchedule ? (
        <>
          <h2>Edit {editingSchedule.name}</h2>
          <EditForm
            key={editingSchedule.id}
            schedule={editingSchedule}
            onDone={() => {
              setEditing(null);
              data.reload();
            }}
          />
        </>
      ) : null}
      <h2>New schedule</h2>
      <CreateForm onCreated={data.reload} />
      <h2>Scheduled jobs</h2>
      {waiting && waiting.totalCount > 0 ? (
        <div class="table-wrap">
          <table data-testid="scheduled-jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Kind</th>
                <th>Starts</th>
                <th class="wide">Created</th>
              </tr>
            </thead>
            <tbody>
              {waiting.edges.map(({ node: j }) => (
                <tr key={j.id} data-job-id={j.id}>
                  <td>
                    <IdLink page="jobs" id={j.id} />
                  </td>
                  <td>{j.kind}</td>
                  <td>{j.runAt ? <Time iso={j.runAt} showExact /> : '—'}</td>
                  <td class="wide">
                    <Time iso={j.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No job waits for its start time.</p>
      )}
    </div>
  );
}
