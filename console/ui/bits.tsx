/** Small shared pieces: status badges, errors, collapsible JSON, usage, progress bar. */
import type { ComponentChildren } from 'preact';
import type { ClientError, Progress, Usage } from '../../client/index.js';

export function Status({ value }: { value: string }) {
  return <span class={`status ${value}`}>{value}</span>;
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

export function UsageCards({ usage }: { usage: Usage }) {
  const items: Array<[string, string]> = [
    ['AI calls', String(usage.calls)],
    ['Prompt tokens', usage.promptTokens.toLocaleString()],
    ['Completion tokens', usage.completionTokens.toLocaleString()],
    ['Total tokens', usage.totalTokens.toLocaleString()],
    ['Cost', money(usage.costUsd)],
  ];
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
