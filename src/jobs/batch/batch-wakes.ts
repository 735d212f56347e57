/**
 * What the batch round (and a step that just parked) does to a job waiting for the provider's
 * batch, each under a fresh lease of the parked job (lifecycle/park.ts): send it back to the
 * queue once its calls are answered, or once it gives up waiting (the rest of its calls made
 * at once), or write how far its batch has come while it stays parked.
 */
import type { JobDoc, StepDoc } from '../../db/jobs/index.js';
import { type JobStores, makeProgress, wakeParked } from '../lifecycle/index.js';

export interface BatchWakeDeps {
  stores: JobStores;
  /** This process, in the leases a wake takes. */
  owner: string;
  leaseMs: number;
  /** A wake-up for a job sent back to the queue. */
  requeue(job: JobDoc): Promise<void>;
}

export type BatchWake =
  /** Its calls in the batch are answered (or failed: the step decides). */
  | { kind: 'answered' }
  /** It stops waiting for the provider: its remaining calls are made at once. */
  | { kind: 'fallback'; reason: string }
  /** It goes on waiting; its progress says how far its batch has come. */
  | { kind: 'progress'; completed: number; total: number };

/**
 * 'done' when the job was woken (or updated); 'absent' when it is not waiting for the
 * provider's batch (running, finished, gone); 'busy' when another waker holds it now: try later.
 */
export async function wakeForBatch(deps: BatchWakeDeps, jobId: string, wake: BatchWake): Promise<'done' | 'absent' | 'busy'> {
  const outcome = await wakeParked(deps, jobId, ['AWAITING_BATCH'], async (job) => {
    // A cancel asked for while this waker held the job would be missed by its re-parking: the runner carries it out.
    if (await job.stores.cancelRequests.has(job.id)) return 'queue';
    const index = job.doc.steps.findIndex((s) => s.status === 'RUNNING');
    const step: StepDoc | undefined = job.doc.steps[index];
    switch (wake.kind) {
      case 'answered': {
        const message = "Answered by the provider's batch";
        await job.save({ status: 'QUEUED', wokenBy: "the provider's batch answered", ...(step ? { steps: replace(job.doc.steps, said(step, message)) } : {}) }, `Queued: ${lowerFirst(message)}`);
        return 'queue';
      }
      case 'fallback': {
        // Its lines still to send are not sent: the step makes those calls itself now.
        await job.durably(() => job.stores.batchCalls.dropForJob(job.id, { calls: false }));
        const message = `Stopped waiting for the provider's batch (${wake.reason}); the rest runs at once`;
        const steps = step ? { steps: replace(job.doc.steps, said(step, message)) } : {};
        await job.save({ status: 'QUEUED', wokenBy: message, batchFallback: { at: new Date(), reason: wake.reason }, ...steps }, `Queued: ${lowerFirst(message)}`);
        return 'queue';
      }
      case 'progress': {
        if (!step) return 'stay';
        const message = `In the provider's batch: ${wake.completed} of ${wake.total} answered`;
        const updated: StepDoc = { ...step, message, progress: makeProgress(wake.completed, wake.total, message) };
        await job.saveStep(updated);
        await job.emit('STEP_PROGRESS', { step: updated, message: job.doc.progress.message ?? message });
        return 'stay';
      }
    }
  });
  if (outcome !== 'absent') return 'done';
  const live = await deps.stores.live.findById(jobId);
  return live?.parked?.status === 'AWAITING_BATCH' && live.lease !== null ? 'busy' : 'absent';
}

/**
 * Wakes a job whose step just parked on these calls if each is settled already: answered (its
 * checkpoint is there), failed (its error is on its call), never to be answered (its batch
 * expired), or dropped. The round may have settled them while the step was parking, and
 * would have found the job not parked yet.
 */
export async function wakeIfSettled(deps: BatchWakeDeps, jobId: string, callIds: readonly string[]): Promise<void> {
  for (const id of callIds) {
    const call = await deps.stores.batchCalls.findCall(id);
    if (!call || call.error || call.unanswered) continue;
    if ((await deps.stores.checkpoints.get(jobId, call.key)) === undefined) return;
  }
  await wakeForBatch(deps, jobId, { kind: 'answered' });
}

/** The step with `message` in place of what it said while it waited (its progress keeps its counts). */
const said = (step: StepDoc, message: string): StepDoc => ({ ...step, message, progress: step.progress ? { ...step.progress, message } : null });
const replace = (steps: StepDoc[], step: StepDoc): StepDoc[] => steps.map((s) => (s.index === step.index ? step : s));
const lowerFirst = (s: string): string => (s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s);
