/**
 * Runs one attempt of a job: takes its lease on the live record, resumes at the first
 * step that did not succeed, saves every step's state as it goes, and ends in exactly
 * one of: SUCCEEDED, RETRYING (a retryable error with attempts left), FAILED, CANCELLED,
 * or released for another worker (drain, lost lease). A step that succeeded is never
 * run again; a database that does not answer delays a step, it never fails one.
 */
import type { AiProvider } from '../../ai/index.js';
import { type AiControl, type TenantFairness } from '../ai-control/index.js';
import type { PriceTable } from '../../config/index.js';
import { type JobDoc, type LiveJobDoc, type StepDoc, isTerminalStatus } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';
import { cancelledJobError } from './retrying.js';
import {
  acquireLease,
  completeFinished,
  finishJob,
  type HeldLease,
  isParked,
  jobProgress,
  type JobNotifier,
  type JobStores,
  keepLeaseAlive,
  LeasedJob,
  ParkRequest,
  recoverInterruptedWake,
} from '../lifecycle/index.js';
import { parkRunningJob } from './parking.js';
import { handleStop, type StopDeps } from './attempt-stop.js';
import type { Reviews } from '../review/index.js';
import type { JobFiles, JobKinds, Pipeline, PipelineStep } from '../pipelines/index.js';
import { attemptTrace, traceAttempt, traceStep } from '../../tracing/index.js';
import { RunInterrupted, type StopReason } from './interrupted.js';
import { createStepContext } from './step-context.js';
import type { StepBatchDeps } from '../batch/index.js';
import { jobAttempts, jobsStarted, jobWaitSeconds } from '../../metrics/metrics.js';

/** What one attempt obeys; createJobs fills these from the configuration. */
export interface RunnerOptions {
  /** Names this process on leases and in logs: its process id. */
  workerId: string;
  /**
   * How long a lease holds without a heartbeat; a worker that stops beating for this long
   * loses its jobs to another (JOB_LEASE). @default 30 s
   */
  leaseMs: number;
  /** A whole attempt's limit; past it the attempt fails with JOB_TIMEOUT (JOB_TIMEOUT_MS). @default 1,800,000 ms */
  jobTimeoutMs: number;
  /** The first retry's delay, doubled for each attempt after it (JOB_RETRY_DELAY). @default 10 s */
  retryDelayMs: number;
  /** The model's context window in tokens (AI_CONTEXT_TOKENS). @default the known window of AI_MODEL, else 8192 */
  contextTokens: number;
  /** USD per million tokens per model (AI_PRICES, added to the known prices). */
  prices: PriceTable;
  /** How long a write the database does not answer is retried (JOB_DB_RETRY). @default 60 s */
  dbRetryMs?: number;
  /** The limit of one agent tool call (AGENT_TOOL_TIMEOUT). @default 60 s */
  agentToolTimeoutMs?: number;
  /** Store raw messages of unexpected errors on jobs (NODE_ENV=development). @default false */
  showInternalErrors?: boolean;
}

export interface RunnerDeps {
  stores: JobStores;
  kinds: JobKinds;
  ai: AiProvider;
  notifier: JobNotifier;
  logger: Logger;
  /** Per-job models, budgets and live output (see ai-control.ts); absent: none of them. */
  aiControl?: AiControl;
  /** Caps each tenant's running jobs (see tenant-fairness.ts); absent: no cap. */
  fairness?: TenantFairness;
  /** Reads the files jobs refer to (ctx.readFile); absent: a job that reads a file fails. */
  files?: JobFiles;
  /** Wakes a worker for the job at `runAt` (a retry, or a resume after release). */
  enqueue(jobId: string, priority: number, runAt: Date): Promise<void>;
  /** Human reviews (`ctx.review`); absent: a step that asks for one fails. */
  reviews?: Reviews;
  /** The provider's Batch API for BATCH jobs' calls (see src/jobs/batch); absent: they are made at once. */
  batch?: StepBatchDeps;
}

export class JobRunner {
  /** The abort controller of each job this process is running, by job id. */
  private readonly active = new Map<string, AbortController>();
  /** The batch of each running job that has one. */
  private readonly batchOf = new Map<string, string>();
  private draining = false;

  constructor(private readonly deps: RunnerDeps, private readonly opts: RunnerOptions) {}

  /** Ids of the jobs this process is running now. */
  runningJobIds(): string[] {
    return [...this.active.keys()];
  }

  /** The running jobs that belong to a batch, with their batch ids. */
  runningBatchJobs(): Array<[jobId: string, batchId: string]> {
    return [...this.batchOf.entries()];
  }

  /** Stops a running job's in-flight work at once (its AI request included). */
  interrupt(jobId: string, reason: StopReason): void {
    this.active.get(jobId)?.abort(new RunInterrupted(reason));
  }

  /** From now on, running jobs stop before their next AI call and are released. */
  beginDrain(): void {
    this.draining = true;
  }

  /** Resolves when nothing runs any more, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }

  /** Aborts everything still running (after the drain grace period). */
  interruptAll(reason: StopReason): void {
    for (const id of this.active.keys()) this.interrupt(id, reason);
  }

  /**
   * Runs the job if its live record says it is due and its lease can be taken; a job
   * that finished but still owes its after-finish work gets that completed instead.
   */
  async run(jobId: string): Promise<void> {
    if (this.draining) return;
    const live = await this.deps.stores.live.findById(jobId);
    if (!live) return;
    // A parked job waits for something outside (park.ts): only one whose waker died holding it is taken.
    if (isParked(live) ? live.lease === null : live.runAt !== null && live.runAt.getTime() > Date.now()) return;
    const found = await this.deps.stores.jobs.findById(jobId);
    if (!found) {
      // A submission that died between the live record and the job: after a while, drop the record.
      if (Date.now() - live.createdAt.getTime() > 2 * this.opts.leaseMs) await this.deps.stores.live.delete(jobId);
      return;
    }
    // A job of a cancelled batch is cancelled, not started: it needs no seat.
    const batchCancelled = !isTerminalStatus(found.status) && (await this.batchCancelled(found));
    // Tenant fairness: a job whose tenant already runs its share goes back to the queue.
    if (!batchCancelled && this.deps.fairness && !(await this.deps.fairness.admit(found))) return;
    const claimed = await this.claim(live);
    if (!claimed) return;
    const controller = new AbortController();
    this.active.set(jobId, controller);
    if (found.batchId) this.batchOf.set(jobId, found.batchId);
    const job = new LeasedJob(this.deps.stores, found, claimed.lease, this.opts.dbRetryMs);
    // The claim and each renewal tell the holder its lease is its own: its saves need not read the record meanwhile.
    const confirmed = (expiresAt: number) => job.leaseConfirmed(expiresAt, this.opts.leaseMs);
    if (claimed.live.lease) confirmed(claimed.live.lease.expiresAt.getTime());
    const stopRenewing = keepLeaseAlive(
      this.deps.stores,
      claimed.lease,
      this.opts.leaseMs,
      () => controller.abort(new RunInterrupted('lease-lost')),
      confirmed,
      (write) => job.exclusive(write),
    );
    const stopHeartbeat = () => {
      stopRenewing();
      job.forgetLeaseConfirmation();
    };
    const timeout = setTimeout(() => controller.abort(new RunInterrupted('timeout')), this.opts.jobTimeoutMs);
    // The attempt's span continues the trace stored with the job, whichever process submitted it.
    const attempt = { jobId, kind: found.kind, tenantId: found.tenantId, attempt: found.attempt, trace: found.trace };
    await traceAttempt(attempt, async () => {
      try {
        if (isTerminalStatus(found.status)) await completeFinished(job, this.deps.notifier);
        else if (batchCancelled || (await this.deps.stores.cancelRequests.has(jobId))) await finishJob(job, this.deps.notifier, 'CANCELLED', { error: cancelledJobError(null) }, 'Cancelled');
        else await this.runSteps(job, controller.signal);
      } catch (err) {
        // A step that waits for something outside (a review) parks the job and frees this slot.
        if (err instanceof ParkRequest && !controller.signal.aborted) await parkRunningJob(this.parkingDeps(), job, err, stopHeartbeat, this.logFor(job));
        else await handleStop(this.stopDeps(), job, err, controller.signal, this.logFor(job, job.doc.steps.find((s) => s.status === 'RUNNING')?.name));
      } finally {
        clearTimeout(timeout);
        stopHeartbeat();
        this.active.delete(jobId);
        this.batchOf.delete(jobId);
      }
    });
  }

  private stopDeps(): StopDeps {
    const { stores, notifier, enqueue } = this.deps;
    const { retryDelayMs, jobTimeoutMs, showInternalErrors } = this.opts;
    return { stores, notifier, enqueue, retryDelayMs, jobTimeoutMs, showInternalErrors: showInternalErrors ?? false };
  }

  private parkingDeps() {
    return { stores: this.deps.stores, notifier: this.deps.notifier, owner: this.opts.workerId, leaseMs: this.opts.leaseMs };
  }

  /** The lease of a due record, or of a parked one whose waker died holding it (which may go back to waiting). */
  private async claim(live: LiveJobDoc): Promise<{ lease: HeldLease; live: LiveJobDoc } | undefined> {
    const { stores } = this.deps;
    if (!isParked(live)) return acquireLease(stores, live, this.opts.workerId, this.opts.leaseMs);
    const recovered = await recoverInterruptedWake(stores, live, this.opts.workerId, this.opts.leaseMs);
    return recovered.action === 'run' ? recovered : undefined;
  }

  /** Whether the job's batch was cancelled: then the job is cancelled, whoever was cancelling the batch's jobs. */
  private async batchCancelled(job: JobDoc): Promise<boolean> {
    return job.batchId !== null && (await this.deps.stores.batches.findById(job.batchId))?.status === 'CANCELLED';
  }

  private async runSteps(job: LeasedJob, signal: AbortSignal): Promise<void> {
    const pipeline = this.deps.kinds.get(job.doc.kind);
    if (!pipeline) throw new Error(`unknown job kind ${job.doc.kind}`);
    const input: unknown = JSON.parse(job.doc.input);
    // This attempt becomes the one the next attempt links to (nothing is written while tracing is off).
    const trace = attemptTrace(job.doc.trace);
    /** A new attempt's start, saved with its first step's start (one write, one append). */
    let start: AttemptStart | undefined;
    if (job.doc.status === 'AWAITING_REVIEW' || job.doc.status === 'AWAITING_BATCH') {
      // Its worker died while asking for a review, or handing calls to the provider's batch: the step asks again.
      await job.save({ status: 'RUNNING', ...(trace ? { trace } : {}) });
      this.logFor(job).info('attempt resumed');
    } else if (job.doc.wokenBy) {
      // Woken from a wait (a review answered): the same attempt goes on.
      const wokenBy = job.doc.wokenBy;
      await job.save({ status: 'RUNNING', wokenBy: null, ...(trace ? { trace } : {}) });
      await job.emit('STARTED', { message: `Resumed: ${wokenBy}` });
      this.logFor(job).info('attempt resumed after a wait');
    } else if (job.doc.status !== 'RUNNING') {
      start = {
        set: { status: 'RUNNING', startedAt: job.doc.startedAt ?? new Date(), error: null, ...(trace ? { trace } : {}) },
        firstStart: job.doc.startedAt === null,
        message: `Attempt ${job.doc.attempt} of ${job.doc.maxAttempts}`,
      };
    } else {
      if (trace) await job.save({ trace });
      this.logFor(job).info('attempt resumed');
    }
    const steps = (pipeline as Pipeline<unknown>).steps(input);
    // Null prototype: a step's name is a key here and must never reach Object.prototype.
    const outputs: Record<string, unknown> = Object.create(null);
    /** The last step's outcome, saved with the job's end (one write, one append). */
    let last: StepDoc | undefined;
    for (const [index, step] of steps.entries()) {
      const stored = job.doc.steps[index]!;
      if (stored.status === 'SUCCEEDED' || stored.status === 'SKIPPED') {
        outputs[step.name] = stored.output === null ? null : JSON.parse(stored.output);
        continue;
      }
      if (this.draining) throw new RunInterrupted('drain');
      signal.throwIfAborted();
      const isLast = index === steps.length - 1;
      const ran = await traceStep(job.id, step.name, index, () => this.runStep(job, index, step, { input, outputs, signal }, start, isLast));
      start = undefined;
      outputs[step.name] = ran.output;
      last = ran.unsaved;
    }
    // No step was left to run: the start is saved alone.
    if (start) await this.startAttempt(job, start);
    const meta = { model: job.doc.ai?.model ?? this.deps.ai.model, offline: this.deps.ai.name === 'offline' };
    let result: unknown;
    try {
      result = (pipeline as Pipeline<unknown>).result(outputs, input, meta);
    } catch (err) {
      // The last step did succeed: saved so before the attempt stops.
      if (last) await this.saveStepDone(job, last);
      throw err;
    }
    // Every step's outcome goes in the terminal write; the answers kept for resuming go after it (finish.ts).
    const finished = last ? [{ type: 'STEP_SUCCEEDED' as const, step: last, as: { progress: jobProgress(this.withStep(job, last)), jobStatus: job.doc.status } }] : [];
    await finishJob(job, this.deps.notifier, 'SUCCEEDED', { ...(last ? { steps: this.withStep(job, last) } : {}), result: JSON.stringify(result ?? null), error: null }, 'Completed', finished);
    this.logFor(job).info({ status: 'SUCCEEDED' }, 'job finished');
  }

  /** The job's steps with `step` in its place. */
  private withStep(job: LeasedJob, step: StepDoc): StepDoc[] {
    return job.doc.steps.map((s) => (s.index === step.index ? step : s));
  }

  /** Saves a new attempt's start (with `step` started, when given) and appends STARTED (and STEP_STARTED). */
  private async startAttempt(job: LeasedJob, start: AttemptStart, step?: StepDoc): Promise<void> {
    // STARTED tells the job as the start alone left it; STEP_STARTED as it stands with the step running.
    const asStarted = { progress: jobProgress(job.doc.steps), jobStatus: 'RUNNING' as const };
    if (step) await job.saveStep(step, start.set);
    else await job.save(start.set);
    jobAttempts.inc({ kind: job.doc.kind });
    if (start.firstStart) {
      jobsStarted.inc({ kind: job.doc.kind });
      jobWaitSeconds.observe({ kind: job.doc.kind }, (job.doc.startedAt!.getTime() - job.doc.createdAt.getTime()) / 1000);
    }
    const started = { type: 'STARTED' as const, message: start.message, as: asStarted };
    await job.emitMany(step ? [started, { type: 'STEP_STARTED', step, message: job.doc.progress.message ?? undefined }] : [started]);
    this.logFor(job).info('attempt started');
  }

  private async saveStepDone(job: LeasedJob, done: StepDoc): Promise<void> {
    await job.saveStep(done);
    await job.emit('STEP_SUCCEEDED', { step: done });
  }

  /**
   * Runs one step that has not succeeded yet and saves its outcome; returns its output. With
   * `start`, the attempt's start is saved with the step's. The last step's outcome is returned
   * unsaved (`unsaved`): the job's end saves it.
   */
  private async runStep(
    job: LeasedJob,
    index: number,
    step: PipelineStep<unknown>,
    run: { input: unknown; outputs: Readonly<Record<string, unknown>>; signal: AbortSignal },
    start: AttemptStart | undefined,
    isLast: boolean,
  ): Promise<{ output: unknown; unsaved?: StepDoc }> {
    const { input, outputs, signal } = run;
    const stored = job.doc.steps[index]!;
    const started: StepDoc = {
      ...stored,
      status: 'RUNNING',
      attempts: stored.attempts + 1,
      startedAt: new Date(),
      finishedAt: null,
      durationMs: null,
      error: null,
    };
    if (start) await this.startAttempt(job, start, started);
    else {
      await job.saveStep(started);
      await job.emit('STEP_STARTED', { step: started, message: job.doc.progress.message ?? undefined });
    }
    const ctx = createStepContext({
      job,
      stepIndex: index,
      input,
      outputs,
      signal,
      ai: this.deps.ai,
      contextTokens: this.opts.contextTokens,
      prices: this.opts.prices,
      isDraining: () => this.draining,
      control: this.deps.aiControl,
      ...(this.deps.files ? { files: this.deps.files } : {}),
      ...(this.deps.reviews ? { reviews: this.deps.reviews } : {}),
      ...(this.deps.batch ? { batch: this.deps.batch } : {}),
      ...(this.opts.agentToolTimeoutMs !== undefined ? { toolTimeoutMs: this.opts.agentToolTimeoutMs } : {}),
    });
    const output = await step.run(ctx);
    const now = new Date();
    const current = job.doc.steps[index]!;
    const done: StepDoc = {
      ...current,
      status: 'SUCCEEDED',
      finishedAt: now,
      durationMs: now.getTime() - (current.startedAt ?? now).getTime(),
      output: JSON.stringify(output ?? null),
      progress: current.progress ? { ...current.progress, completed: current.progress.total, percent: 100 } : null,
    };
    this.logFor(job, step.name).debug({ durationMs: done.durationMs }, 'step succeeded');
    if (isLast) return { output, unsaved: done };
    await this.saveStepDone(job, done);
    return { output };
  }

  /**
   * A logger for lines about this job: who it is, whose, which attempt, which step, and the
   * id of the request that submitted it, so one grep follows a job from API to worker.
   */
  private logFor(job: LeasedJob, step?: string | null): Logger {
    const { doc } = job;
    return this.deps.logger.child({ jobId: doc._id, tenantId: doc.tenantId, kind: doc.kind, attempt: doc.attempt, step: step ?? null, requestId: doc.requestId ?? null });
  }
}

/** What a new attempt's start writes, and how it is counted and told. */
interface AttemptStart {
  set: Partial<JobDoc>;
  firstStart: boolean;
  message: string;
}

