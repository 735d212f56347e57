/**
 * A step's AI calls in executionMode BATCH. `ctx.complete` without a stored answer hands its
 * call to the provider's batch instead of making it: the call is recorded once (its line
 * queued for the next batch file, then its call document, both under the call's `custom_id`),
 * and the job parks (AWAITING_BATCH) holding no worker. The fleet's batch round sends the
 * line, puts the answer in the call's checkpoint and wakes the job; the step then runs again
 * and its `ctx.complete` returns the stored answer, counting its usage once.
 *
 * Calls a step makes at the same time (Promise.all) are recorded together and park the job
 * once, so they travel in one batch file. A line that failed is sent again while the AI error
 * policy allows (AI_MAX_CALL_ATTEMPTS lines, retryable errors only), else its error is thrown
 * and decides the attempt like any AI error. Past the job's batchDeadline, or once its batch
 * expired, the job's calls are made at once (`batchFallback`).
 */
import { AiError, type AiErrorCode, type BatchApi, batchLine, type CompletionRequest } from '../../ai/index.js';
import type { BatchCallDoc, UsageDoc } from '../../db/jobs/index.js';
import { aiCalls, aiCostUsd, aiTokens } from '../../metrics/metrics.js';
import { type LeasedJob, makeProgress, ParkRequest, parkFor } from '../lifecycle/index.js';
import { batchCallId } from './call-id.js';

export interface StepBatchDeps {
  api: BatchApi;
  /** AI_MAX_CALL_ATTEMPTS: lines sent for one call, the first included. */
  maxCallAttempts: number;
  /** Wakes the job once the calls it parked on are settled (they may be, before it was parked). */
  wakeIfSettled(jobId: string, callIds: readonly string[]): Promise<void>;
  now?: () => Date;
}

/** What the step context needs to record a call: the request as the provider gets it, and its model. */
export interface BatchCallRequest {
  checkpointKey: string;
  request: Omit<CompletionRequest, 'signal' | 'onText'>;
  model: string;
}

/** What `call` returns: the call went to the provider's batch, and the job is to park. */
export const PARKED: unique symbol = Symbol('parked for the provider batch');

export class StepBatchCalls {
  private inFlight = 0;
  private settled: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;
  private readonly parkedOn: string[] = [];
  private park: Promise<ParkRequest> | null = null;
  /** The call documents `applies` read, by id: `call` goes on from them. */
  private readonly found = new Map<string, BatchCallDoc | null>();
  private readonly now: () => Date;

  constructor(
    private readonly job: LeasedJob,
    private readonly stepIndex: number,
    private readonly deps: StepBatchDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Whether this call goes to the provider's batch: a BATCH job that has not given up on it.
   * It gives up here, once, past its deadline, or when its batch will never answer this call.
   */
  async applies(checkpointKey: string): Promise<boolean> {
    const { job } = this;
    const { doc } = job;
    if (doc.executionMode !== 'BATCH' || doc.batchFallback) return false;
    if (doc.batchDeadline && doc.batchDeadline.getTime() <= this.now().getTime()) {
      await this.fallBack(`its batchDeadline (${doc.batchDeadline.toISOString()}) passed`);
      return false;
    }
    const id = batchCallId(job.id, checkpointKey);
    const call = await job.durably(() => job.stores.batchCalls.findCall(id));
    if (call?.unanswered) {
      await this.fallBack(call.unanswered);
      await job.durably(() => job.stores.batchCalls.deleteCall(id));
      return false;
    }
    this.found.set(id, call);
    return true;
  }

  /** From now on the job's calls are made at once; its lines still to send are not sent. */
  private async fallBack(reason: string): Promise<void> {
    const { job } = this;
    await job.save({ batchFallback: { at: this.now(), reason } });
    await job.durably(() => job.stores.batchCalls.dropForJob(job.id, { calls: false }));
  }

  /**
   * Runs one `ctx.complete`, counted from its start: calls a step starts together finish
   * recording before any of them parks the job. `work` returns PARKED for a call it handed to
   * the batch: then this rejects, once every call under way is settled, with the ParkRequest
   * that parks the job, or, for a call whose line failed for good, with its error.
   */
  async track<T>(work: () => Promise<T | typeof PARKED>): Promise<T> {
    if (this.inFlight === 0) this.settled = new Promise((resolve) => (this.release = resolve));
    this.inFlight += 1;
    let outcome: T | typeof PARKED | undefined;
    let failure: { err: unknown } | undefined;
    try {
      outcome = await work();
    } catch (err) {
      failure = { err };
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.release?.();
    }
    if (outcome !== PARKED && !failure) return outcome as T;
    await this.settled;
    if (failure) throw failure.err;
    throw await (this.park ??= this.parkJob());
  }

  /**
   * Hands the call to the provider's batch, once: PARKED, for `track` to park the job. A call
   * whose last line failed is sent again while the AI error policy allows (retryable errors,
   * AI_MAX_CALL_ATTEMPTS lines), else its error is thrown, in this attempt and whenever the
   * step runs again in it; a later attempt sends it anew.
   */
  async call(req: BatchCallRequest): Promise<typeof PARKED> {
    const { job } = this;
    const id = batchCallId(job.id, req.checkpointKey);
    const existing = this.found.has(id) ? this.found.get(id)! : await job.durably(() => job.stores.batchCalls.findCall(id));
    if (!existing) {
      await this.record(id, req, 1);
    } else if (existing.error) {
      const stale = existing.attempt < job.doc.attempt;
      const error = new AiError(existing.error.code as AiErrorCode, existing.error.message, {
        retryable: existing.error.retryable,
        ...(existing.error.status !== undefined ? { status: existing.error.status } : {}),
        attempts: existing.tries,
      });
      if (!stale && (!error.retryable || existing.tries >= this.deps.maxCallAttempts)) throw error;
      await job.durably(() => job.stores.batchCalls.deleteCall(id));
      await this.record(id, req, stale ? 1 : existing.tries + 1);
    }
    // Else recorded already (by this step before it was woken, an earlier attempt, or before a crash): it waits as it is.
    this.parkedOn.push(id);
    return PARKED;
  }

  private async record(id: string, req: BatchCallRequest, tries: number): Promise<void> {
    const { job } = this;
    const line = batchLine(id, this.deps.api.requestBody({ ...req.request, model: req.model }));
    const call: BatchCallDoc = { _id: id, jobId: job.id, key: req.checkpointKey, model: req.model, tries, attempt: job.doc.attempt, createdAt: this.now() };
    await job.durably(() => job.stores.batchCalls.record(call, { line, bytes: Buffer.byteLength(line) + 1, deadline: job.doc.batchDeadline ?? null }));
  }

  /** Saves the job as waiting for the provider's batch; the runner then parks it. */
  private async parkJob(): Promise<ParkRequest> {
    const { job } = this;
    const calls = this.parkedOn.length;
    const message = `Waiting for the provider's batch: ${calls} ${calls === 1 ? 'call' : 'calls'}`;
    const step = { ...job.doc.steps[this.stepIndex]!, message, progress: makeProgress(0, calls, message) };
    await job.saveStep(step, { status: 'AWAITING_BATCH' });
    await job.emit('STEP_PROGRESS', { step, message });
    const parkedOn = [...this.parkedOn];
    return new ParkRequest(parkFor('AWAITING_BATCH', job.doc.batchDeadline ?? null), () => this.deps.wakeIfSettled(job.id, parkedOn));
  }
}

/** A batch answer in the AI metrics, once (when its job counts it): a call made, its tokens and its spend at the batch rate. */
export function countBatchCall(provider: string, model: string, usage: UsageDoc): void {
  aiCalls.inc({ provider, model, outcome: 'OK' });
  aiTokens.inc({ model, direction: 'in' }, usage.promptTokens);
  aiTokens.inc({ model, direction: 'out' }, usage.completionTokens);
  if (usage.costUsd) aiCostUsd.inc({ model }, usage.costUsd);
}
