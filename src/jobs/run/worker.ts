/**
 * The job side of a worker process: the queue wakes it with job ids (admitting submitted
 * jobs from the backlog as it has room), the runner runs them, and two small loops read the live records of jobs (never the job history):
 * - live watch: one read of the live records of the jobs this process runs, so a cancel
 *   request (a field on the record) stops the job within the watch interval;
 * - batch watch: the batches of the jobs it runs, by `_id`, so a job of a cancelled batch
 *   stops even when the API process that was cancelling the batch's jobs died first;
 * - lost-work sweep: wakes jobs whose wake-up was lost (lost-work-sweep.ts);
 * - timers: fires the waits that end by themselves — start times, review timeouts, schedule
 *   ticks — reading one hint document by `_id` when nothing is due (lifecycle/timers.ts).
 */
import { countTokens } from '../../ai/index.js';
import type { Logger } from '../../log/logger.js';
import { JobRunner, type RunnerDeps, type RunnerOptions } from './runner.js';
import { sweepLostWork } from './lost-work-sweep.js';
import type { JobQueue, JobTimers, TimerHandlers } from '../lifecycle/index.js';

export interface WorkerOptions extends RunnerOptions {
  /**
   * How long SIGTERM lets running steps finish before they are aborted and released
   * (half of SHUTDOWN_TIMEOUT, so the release itself fits in the rest). @default 15 s
   */
  drainGraceMs: number;
  /** How often the live records of running jobs are read for cancel requests. @default 250 ms */
  cancelPollMs?: number;
  /** How often the batches of running jobs are read for a cancel. @default 2,000 ms */
  batchCancelPollMs?: number;
  /** A due job with no wake-up taken for this long is woken again. @default 30,000 ms */
  strandedAfterMs?: number;
  /** How often the timers (start times, review timeouts, schedule ticks) are looked at (JOB_POLL_INTERVAL). @default 500 ms */
  timerPollMs?: number;
}

export interface JobWorker {
  runner: JobRunner;
  stop(): Promise<void>;
}

export async function startJobWorker(
  deps: Omit<RunnerDeps, 'enqueue'> & { queue: JobQueue; logger: Logger; timers: JobTimers; timerHandlers: TimerHandlers },
  opts: WorkerOptions,
): Promise<JobWorker> {
  const { stores, queue, logger, timers, timerHandlers } = deps;
  const runner = new JobRunner({ ...deps, enqueue: (jobId, priority, runAt) => queue.enqueue(jobId, priority, runAt) }, opts);
  // Building the tokenizer blocks the event loop for a second or more. Do it before taking
  // jobs: inside the first job it would stall the lease heartbeats of every job running.
  countTokens('warm up');
  await queue.start(
    (jobId) => runner.run(jobId),
    (err) => logger.warn({ err }, 'admitting jobs from the backlog failed; trying again'),
  );

  const loops = [
    every(opts.cancelPollMs ?? 250, async () => {
      for (const jobId of await stores.cancelRequests.among(runner.runningJobIds())) runner.interrupt(jobId, 'cancelled');
    }),
    every(opts.batchCancelPollMs ?? 2_000, async () => {
      const byBatch = new Map<string, string[]>();
      for (const [jobId, batchId] of runner.runningBatchJobs()) byBatch.set(batchId, [...(byBatch.get(batchId) ?? []), jobId]);
      for (const [batchId, jobIds] of byBatch) {
        if ((await stores.batches.findById(batchId))?.status !== 'CANCELLED') continue;
        for (const jobId of jobIds) runner.interrupt(jobId, 'cancelled');
      }
    }),
    every(Math.max(1_000, Math.floor(opts.leaseMs / 2)), async () => {
      await sweepLostWork(stores, queue, logger, { strandedAfterMs: opts.strandedAfterMs ?? 30_000 });
    }),
    every(opts.timerPollMs ?? 500, async () => {
      await timers.sweep(timerHandlers, (err, timer) => logger.warn({ err, timer: timer._id }, 'a timer failed; it fires again'));
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
