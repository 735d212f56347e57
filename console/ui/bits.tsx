/** Small shared pieces: status badges, errors, collapsible JSON, usage, progress bar. */
import type { ComponentChildren } from 'preact';
import type { ClientError, Progress, Usage } from '../../client/index.js';
import { href } from '../router.js';

/** A job's or batch's id as a link to its page, shortened to the 8 characters the lists show. */
export function IdLink({ page, id, style }: { page: 'jobs' | 'batches'; id: string; style?: Record<string, string> }) {
  return (
    <a href={href(page, id)} class="mono" {...(style ? { style } : {})}>
      {id.slice(0, 8)}
    </a>
  );
}

export function Status({ value }: { value: string }) {
  return <span class={`status ${value}`}>{value}</span>;
}

/** A job's execution mode, shown when it is not the default (REALTIME). */
export function Mode({ value, always = false }: { value: string | undefined; always?: boolean }) {
  if (!value || (value === 'REALTIME' && !always)) return null;
  return (
    <span class="mode" data-testid="job-mode" title="How the job's AI calls are served">
      {value}
    </span>
  );
}

export function ErrorNotice({ error }: { error: ClientError | Error | null | undefined }) {
  if (!error) return null;
  const code = (error as ClientError).code;
  return (
    <div class="notice error" role="alert">
      {code ? <strong>{code}: </strong> : null}
      {error.message}
    </div>
  );
}

export function Json({ value, label, open = false }: { value: unknown; label: string; open?: boolean }) {
  if (value === undefined || value === null) return null;
  return (
    <details open={open}>
      <summary>{label}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function money(usd: number | null | undefined): string {
  return usd == null ? 'no price' : `$${usd < 0.01 ? usd.toFixed(6) : usd.toFixed(4)}`;
}

const percentOf = (part: number, whole: number | null | undefined): string => (whole ? `${Math.round((part / whole) * 100)} %` : '—');

/** `saving`: always show what the usage would have cost at the realtime rate and what was saved (a job's page); else only when something was saved. */
export function UsageCards({ usage, saving = false }: { usage: Usage; saving?: boolean }) {
  const items: Array<[string, string]> = [
    ['AI calls', String(usage.calls)],
    ['Prompt tokens', usage.promptTokens.toLocaleString()],
    ['Completion tokens', usage.completionTokens.toLocaleString()],
    ['Total tokens', usage.totalTokens.toLocaleString()],
    ['Cost', money(usage.costUsd)],
  ];
  // What FLEX, BATCH and the response cache saved: the same calls at the realtime rate, and the difference.
  if (saving || (usage.savedUsd != null && usage.savedUsd > 0)) {
    items.push(['At the realtime rate', money(usage.realtimeCostUsd)], ['Saved', usage.savedUsd == null ? money(null) : `${money(usage.savedUsd)} (${percentOf(usage.savedUsd, usage.realtimeCostUsd)})`]);
  }
  return (
    <div class="grid">
      {items.map(([k, v]) => (
        <div class="card" key={k}>
          <div class="k">{k}</div>
          <div class="v">{v}</div>
        </div>
      ))}
    </div>
  );
}

export function Bar({ progress, label }: { progress: Progress; label: string }) {
  const pct = Math.max(0, Math.min(100, progress.percent));
  return (
    <div>
      <div class="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.completed} aria-valuetext={progress.message ?? `${progress.completed} of ${progress.total}`}>
        <span style={{ width: `${pct}%` }} />
      </div>
      <p class="muted" aria-live="polite" data-testid="progress-text">
        {progress.message ?? `${progress.completed} of ${progress.total}`}
      </p>
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
