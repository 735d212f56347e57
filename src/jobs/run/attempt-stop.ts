/**
 * How a stopped attempt ends: what retrying.ts decides (leave, release, cancel, retry after a
 * delay, or fail), carried out on the held job — its steps, status and events, its lease, and
 * its next wake-up.
 */
import type { StepDoc } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';
import { finishJob, type JobNotifier, type JobStores, type LeasedJob, LeaseLostError, releaseLease } from '../lifecycle/index.js';
import { decideAttempt, type AttemptOutcome } from './retrying.js';
import { interruptionOf } from './interrupted.js';
import { jobRetries } from '../../metrics/metrics.js';

/** What stopping an attempt needs of the runner. */
export interface StopDeps {
  stores: JobStores;
  notifier: JobNotifier;
  /** Wakes a worker for the job at `runAt`. */
  enqueue(jobId: string, priority: number, runAt: Date): Promise<void>;
  /** The first retry's delay (JOB_RETRY_DELAY). */
  retryDelayMs: number;
  /** A whole attempt's limit (JOB_TIMEOUT_MS). */
  jobTimeoutMs: number;
  /** Store raw messages of unexpected errors on jobs. */
  showInternalErrors: boolean;
}

/** Carries out what retrying.ts decides a stopped run means; `log` names the job and its running step. */
export async function handleStop(d: StopDeps, job: LeasedJob, err: unknown, signal: AbortSignal, log: Logger): Promise<void> {
  const running = job.doc.steps.find((s) => s.status === 'RUNNING');
  const outcome = decideAttempt(
    err,
    interruptionOf(signal, err)?.reason,
    { attempt: job.doc.attempt, maxAttempts: job.doc.maxAttempts, step: running?.name ?? null },
    { retryDelayMs: d.retryDelayMs, jobTimeoutMs: d.jobTimeoutMs, showInternalErrors: d.showInternalErrors },
  );
  try {
    switch (outcome.action) {
      case 'leave':
        if (outcome.why === 'lease-lost') log.warn('lease lost; leaving the job to its new owner');
        else if (outcome.why === 'lease-not-kept') log.warn('lease could not be kept; stopped without writing');
        else log.warn({ err }, 'the database did not answer in time; the job will be resumed');
        return;
      case 'release':
        await releaseLease(d.stores, job.lease, new Date());
        await d.enqueue(job.id, job.doc.priority, new Date());
        log.info('released for another worker (draining)');
        return;
      case 'cancel': {
        // One write: the running step and the job, cancelled together.
        const steps = job.doc.steps.map((s): StepDoc => (s === running ? { ...s, status: 'CANCELLED', finishedAt: new Date() } : s));
        await finishJob(job, d.notifier, 'CANCELLED', { steps, error: outcome.error }, 'Cancelled');
        log.info({ status: 'CANCELLED' }, 'job finished');
        return;
      }
      case 'retry':
      case 'fail': {
        await recordFailure(d, job, running, outcome, outcome.unexpected ? log.child({ ref: outcome.unexpected.ref }) : log);
        return;
      }
      default:
        return unreachable(outcome);
    }
  } catch (writeErr) {
    if (writeErr instanceof LeaseLostError) return;
    // The job stays RUNNING with a lease that will expire; the lost-work sweep resumes it.
    log.error({ err: writeErr }, 'could not record how the run ended');
  }
}

/** Logs the outcome once, with the error's code; an unexpected error (not an AI error) at error level, with its stack. */
async function recordFailure(d: StopDeps, job: LeasedJob, running: StepDoc | undefined, outcome: Extract<AttemptOutcome, { action: 'retry' | 'fail' }>, log: Logger): Promise<void> {
  const { error, unexpected } = outcome;
  const say = (fields: Record<string, unknown>, msg: string) =>
    unexpected === undefined ? log.warn({ code: error.code, ...fields }, msg) : log.error({ code: error.code, err: unexpected.err, ...fields }, msg);
  if (running) {
    const now = new Date();
    const failed: StepDoc = {
      ...running,
      status: 'FAILED',
      error,
      finishedAt: now,
      durationMs: now.getTime() - (running.startedAt ?? now).getTime(),
    };
    await job.saveStep(failed);
    await job.emit('STEP_FAILED', { step: failed, message: error.message });
  }
  if (outcome.action === 'retry') {
    const runAt = new Date(Date.now() + outcome.delayMs);
    const next = outcome.nextAttempt;
    await job.save({ status: 'RETRYING', error, attempt: next }, `Retrying: attempt ${next} of ${job.doc.maxAttempts} at ${runAt.toISOString()}`);
    jobRetries.inc({ kind: job.doc.kind });
    await job.emit('RETRY_SCHEDULED', { message: `${error.code}: attempt ${next} of ${job.doc.maxAttempts} at ${runAt.toISOString()}` });
    await job.durably(() => releaseLease(d.stores, job.lease, runAt));
    await d.enqueue(job.id, job.doc.priority, runAt);
    say({ retryAt: runAt.toISOString() }, `attempt failed (${error.code}); retry scheduled`);
    return;
  }
  await finishJob(job, d.notifier, 'FAILED', { error }, `Failed: ${error.message}`);
  say({ status: 'FAILED' }, `job failed (${error.code})`);
}

function unreachable(x: never): never {
  throw new Error(`unhandled attempt outcome ${JSON.stringify(x)}`);
}
