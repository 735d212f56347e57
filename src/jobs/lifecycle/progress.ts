/**
 * Progress as people read it: a job's progress counts finished steps (with the running
 * step's own fraction in `percent`), and its message names the step and the unit, e.g.
 * "Step 2 of 4: summarising chunk 3 of 7". Pure functions over the step list.
 */
import type { ProgressDoc, StepDoc } from '../../db/jobs/index.js';

export function makeProgress(completed: number, total: number, message: string | null): ProgressDoc {
  const percent = total > 0 ? Math.min(100, Math.round((completed / total) * 10_000) / 100) : 0;
  return { completed, total, percent, message };
}

export function jobProgress(steps: readonly StepDoc[], finalMessage?: string): ProgressDoc {
  const total = steps.length;
  const done = steps.filter((s) => s.status === 'SUCCEEDED' || s.status === 'SKIPPED').length;
  const running = steps.find((s) => s.status === 'RUNNING');
  const fraction = running?.progress && running.progress.total > 0 ? running.progress.completed / running.progress.total : 0;
  const percent = total > 0 ? Math.min(100, Math.round(((done + fraction) / total) * 10_000) / 100) : 0;
  let message: string | null = finalMessage ?? null;
  if (!message && running) {
    const detail = running.progress?.message ?? `${running.name}`;
    message = `Step ${running.index + 1} of ${total}: ${lowerFirst(detail)}`;
  }
  return { completed: done, total, percent, message };
}

export function batchProgressMessage(finished: number, total: number): string {
  return `Analysed ${finished} of ${total} documents`;
}

const lowerFirst = (s: string): string => (s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s);
