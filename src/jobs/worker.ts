/**
 * The job side of a worker process: Agenda hands it job ids, the runner runs them, and
 * three small loops keep the system honest:
 * - cancel watch: aborts running jobs that an API process asked to cancel (any process);
 * - reconciler: re-enqueues jobs whose run was lost (API crash after insert, a worker
 *   that died holding the job, a duplicate pickup that completed the Agenda record);
 * - outbox sweep: finishes webhook recording for jobs and batches a crash interrupted.
 */
import { countTokens } from '../ai/index.js';
import type { Logger } from '../log/logger.js';
import { cancelClaimId } from './job-control.js';
import { notifyFinished } from './job-finish.js';
import { JobRunner, type RunnerDeps, type RunnerOptions } from './job-runner.js';
import type { JobQueue } from './queue.js';

export interface WorkerOptions extends RunnerOptions {
  /** How long SIGTERM lets running steps finish before they are aborted and released. */
  drainGraceMs: number;
  cancelPollMs?: number;
  /** A due job with no Agenda record for this long is re-enqueued. */
  strandedAfterMs?: number;
}

export interface JobWorker {
  runner: JobRunner;
  stop(): Promise<void>;
}

export async function startJobWorker(
  deps: Omit<RunnerDeps, 'enqueue'> & { queue: JobQueue; logger: Logger },
  opts: WorkerOptions,
): Promise<JobWorker> {
  const { stores, queue, logger } = deps;
  const runner = new JobRunner({ ...deps, enqueue: (jobId, priority, runAt) => queue.enqueue(jobId, priority, runAt) }, opts);
  // Building the tokenizer blocks the event loop for a second or more. Do it before taking
  // jobs: inside the first job it would stall the lease heartbeats of every job running.
  countTokens('warm up');
  await queue.ensureIndexes();
  await queue.startProcessing(
    (jobId, agendaJob) =>
      runner.run(jobId, () => {
        agendaJob.touch().catch(() => {});
      }),
  );

  const loops = [
    every(opts.cancelPollMs ?? 400, async () => {
      const running = runner.runningJobIds();
      const requested = await stores.claims.existing(running.map(cancelClaimId));
      for (const id of running) if (requested.includes(cancelClaimId(id))) runner.interrupt(id, 'cancelled');
    }),
    every(Math.max(1_000, Math.floor(opts.leaseMs / 2)), async () => {
      for (const job of await stores.jobs.findStranded(new Date(), opts.strandedAfterMs ?? 30_000)) {
        if (await queue.hasPendingRun(job._id)) continue;
        logger.info({ jobId: job._id, status: job.status }, 'job had no pending run; enqueuing it again');
        await queue.enqueue(job._id, job.priority, new Date());
      }
    }),
    every(5_000, async () => {
      for (const job of await stores.jobs.findWebhooksPending(new Date(Date.now() - 30_000))) {
        await notifyFinished(stores, deps.notifier, job);
      }
      for (const batch of await stores.batches.findWebhooksPending()) {
        await deps.notifier.batchFinished(batch);
        await stores.batches.update(batch._id, { webhooksPending: false });
      }
    }),
  ];
  loops.forEach((l) => l.onError((err) => logger.warn({ err }, 'worker loop failed; trying again')));

  return {
    runner,
    async stop() {
      loops.forEach((l) => l.stop());
      runner.beginDrain();
      await queue.drain(async () => {
        // Steps stop at their next AI call; a call still in flight after the grace
        // period is aborted, and its job released for another worker.
        await runner.idle(opts.drainGraceMs);
        runner.interruptAll('drain');
        await runner.idle(5_000);
      });
    },
  };
}

interface Loop {
  stop(): void;
  onError(handler: (err: unknown) => void): void;
}

/** Runs `fn` every `ms`, never overlapping itself. */
function every(ms: number, fn: () => Promise<void>): Loop {
  let onError: (err: unknown) => void = () => {};
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await fn();
    } catch (err) {
      onError(err);
    } finally {
      busy = false;
    }
  }, ms);
  timer.unref();
  return { stop: () => clearInterval(timer), onError: (h) => void (onError = h) };
}
