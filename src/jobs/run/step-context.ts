/**
 * The StepContext a pipeline step runs with. AI calls are checkpointed by key so that a
 * resumed or retried job reuses answers it already paid for; usage is added to the step
 * and the job and saved right after each call, so it survives a crash.
 */
import { BATCH_TIER, type AiProvider, type CompletionRequest, type CompletionResult } from '../../ai/index.js';
import { runAgentLoop, type AgentActivity } from '../agents/index.js';
import type { PriceTable } from '../../config/index.js';
import type { StepDoc } from '../../db/jobs/index.js';
import { cachedAnswer, callParameters, holdBudgets, keepAnswer, openOutput, type AiControl, addUsage, usageOfCall } from '../ai-control/index.js';
import { type LeasedJob, makeProgress } from '../lifecycle/index.js';
import { FileReadError, type JobFiles, type StepContext } from '../pipelines/index.js';
import { RunInterrupted } from './interrupted.js';
import { traceAiCall, type AiCallSpan } from '../../tracing/index.js';
import { countBatchCall, PARKED, StepBatchCalls, storedAnswer, type StepBatchDeps, type StoredAnswer } from '../batch/index.js';
import type { Reviews } from '../review/index.js';

export interface StepContextDeps<TInput> {
  job: LeasedJob;
  stepIndex: number;
  input: TInput;
  outputs: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  ai: AiProvider;
  contextTokens: number;
  prices: PriceTable;
  /** True once the worker is draining: stop before the next call. */
  isDraining: () => boolean;
  /** Models, budgets and live output (absent: the deployment's model, no budgets, no streaming). */
  control?: AiControl;
  /** The limit of one agent tool call (AGENT_TOOL_TIMEOUT). @defaultValue 60 s */
  toolTimeoutMs?: number;
  /** Reads the files a job refers to (src/files); absent: readFile fails the step. */
  files?: JobFiles;
  /** The provider's Batch API, for a BATCH job's calls (absent: they are made at once). */
  batch?: StepBatchDeps;
  /** Human reviews (`ctx.review`); absent: a step that asks for one fails. */
  reviews?: Reviews;
}

export function createStepContext<TInput>(deps: StepContextDeps<TInput>): StepContext<TInput> {
  const { job, stepIndex } = deps;
  const step = (): StepDoc => job.doc.steps[stepIndex]!;
  const stepName = step().name;
  const { control } = deps;
  const jobModel = job.doc.ai?.model ?? deps.ai.model;
  const batch = deps.batch && job.doc.executionMode === 'BATCH' ? new StepBatchCalls(job, stepIndex, deps.batch) : undefined;
  /** Batch answers are counted one at a time, each from the job as the last count left it. */
  let counting: Promise<unknown> = Promise.resolve();

  const context: StepContext<TInput> = {
    jobId: job.id,
    input: deps.input,
    outputs: deps.outputs,
    signal: deps.signal,
    contextTokens: control ? control.models.contextTokens(jobModel) : deps.contextTokens,
    model: jobModel,
    offline: deps.ai.name === 'offline',
    executionMode: job.doc.executionMode ?? 'REALTIME',

    complete(key: string, request: Omit<CompletionRequest, 'signal'>): Promise<CompletionResult> {
      return traceAiCall({ jobId: job.id, step: stepName, call: key, provider: deps.ai.name }, (span) =>
        batch ? batch.track(() => complete(key, request, span)) : (complete(key, request, span) as Promise<CompletionResult>),
      );
    },

    agent(key, request) {
      return runAgentLoop(
        {
          complete: (callKey, req) => context.complete(callKey, req),
          checkpoints: {
            get: (callKey) => job.durably(() => job.stores.checkpoints.get(job.id, `${stepName}/${callKey}`)),
            put: async (callKey, value) => void (await job.durably(() => job.stores.checkpoints.put(job.id, `${stepName}/${callKey}`, value))),
          },
          signal: deps.signal,
          jobId: job.id,
          tenantId: job.doc.tenantId,
          stepName,
          toolTimeoutMs: deps.toolTimeoutMs ?? 60_000,
          report: (activity, turn, maxTurns, message) => progress(turn, maxTurns, message, activity),
        },
        key,
        request,
      );
    },

    progress: (completed, total, message) => progress(completed, total, message),

    async readFile(ref, hooks) {
      if (!deps.files) throw new Error('this worker was started without file storage');
      deps.signal.throwIfAborted();
      const outcome = await deps.files.read(job.doc.tenantId, ref, { signal: deps.signal, ...(hooks?.onOpened ? { onOpened: hooks.onOpened } : {}) });
      // A cancel, a timeout or a lost lease that stopped the read stops the step the same way.
      deps.signal.throwIfAborted();
      if (!outcome.ok) throw new FileReadError(outcome.code, outcome.message, outcome.retryable);
      return outcome.file;
    },

    review(key, request) {
      if (!deps.reviews) throw new Error('reviews are not available in this worker');
      return deps.reviews.request(job, stepIndex, key, request);
    },
  };
  return context;

  async function progress(completed: number, total: number, message: string, agent?: AgentActivity): Promise<void> {
    const updated: StepDoc = { ...step(), message, progress: makeProgress(completed, total, message) };
    await job.saveStep(updated);
    await job.emit('STEP_PROGRESS', { step: updated, message: job.doc.progress.message ?? message, ...(agent ? { agent } : {}) });
  }

  /** One AI call: a checkpointed answer is reused (not paid again); else checked, made, kept, counted. */
  async function complete(key: string, request: Omit<CompletionRequest, 'signal'>, span: AiCallSpan): Promise<CompletionResult | typeof PARKED> {
    const checkpointKey = `${stepName}/${key}`;
    const stored = (await job.durably(() => job.stores.checkpoints.get(job.id, checkpointKey))) as StoredAnswer | undefined;
    if (stored) {
      span.reused(stored.model);
      if (stored.batchCallId) await countBatchAnswer(stored.batchCallId, stored, request);
      return { ...stored, attempts: 0 };
    }
    if (deps.isDraining()) throw new RunInterrupted('drain');
    deps.signal.throwIfAborted();
    const params = callParameters(job.doc, request, deps.ai.model);
    span.request({ ...params, messages: request.messages });
    // An answer from the response cache costs nothing, so nothing is reserved for it; a paid
    // call's estimate is reserved against the budgets now, and settled or released below.
    const hit = control ? await cachedAnswer(control, job.doc, request, params, deps.ai.name) : undefined;
    if (!hit && batch && (await batch.applies(checkpointKey))) {
      // The budgets are checked now (nothing is held for the day a batch may take); the cost is added once answered.
      const checked = control ? await holdBudgets(control, job.doc, request, params, deps.ai.name === 'offline', deps.signal) : undefined;
      await checked?.release();
      const { serviceTier: _tier, ...sent } = checked?.params ?? params;
      return batch.call({ checkpointKey, request: { ...request, ...sent }, model: sent.model });
    }
    const hold = control && !hit ? await holdBudgets(control, job.doc, request, params, deps.ai.name === 'offline', deps.signal) : undefined;
    const sink = control ? openOutput(control, job.doc, stepName, key) : undefined;
    let result: CompletionResult;
    try {
      result = hit ?? (await deps.ai.complete({ ...request, ...(hold?.params ?? params), signal: deps.signal, ...(sink ? { onText: sink.push } : {}) }));
    } catch (err) {
      await hold?.release();
      await sink?.abandon();
      throw err;
    }
    const answer = storedAnswer(result, result.offline);
    // A paid answer is kept until the database takes it: an outage delays the step, it never buys the answer twice.
    await job.durably(() => job.stores.checkpoints.put(job.id, checkpointKey, answer));
    if (control && !hit) await keepAnswer(control, job.doc, request, params, deps.ai.name, result);
    const usage = usageOfCall(result, deps.prices);
    span.answered({
      model: result.model,
      text: result.text,
      inputTokens: result.usage.promptTokens,
      outputTokens: result.usage.completionTokens,
      finishReason: result.finishReason ?? null,
      costUsd: usage.costUsd,
      attempts: result.attempts,
    });
    await job.saveStep({ ...step(), model: result.model, usage: addUsage(step().usage, usage) }, { usage: addUsage(job.doc.usage, usage) });
    await hold?.settle(usage);
    await sink?.finish(result.text);
    await job.stores.usage.record(job.doc.tenantId, job.doc.batchId, usage);
    return result;
  }

  /** The usage of an answer the provider's batch gave, added to the step, the job and the tenant once (the job lists what it counted). */
  function countBatchAnswer(callId: string, stored: StoredAnswer, request: Omit<CompletionRequest, 'signal'>): Promise<void> {
    const count = counting.then(async () => {
      if (job.doc.batchCallsCounted?.includes(callId)) return;
      const result: CompletionResult = { ...stored, attempts: 1, serviceTier: BATCH_TIER };
      const usage = usageOfCall(result, deps.prices);
      const counted = [...(job.doc.batchCallsCounted ?? []), callId];
      await job.saveStep({ ...step(), model: stored.model, usage: addUsage(step().usage, usage) }, { usage: addUsage(job.doc.usage, usage), batchCallsCounted: counted });
      await job.stores.usage.record(job.doc.tenantId, job.doc.batchId, usage);
      countBatchCall(deps.ai.name, stored.model, usage);
      if (control) {
        await control.budgets.settle(job.doc.tenantId, null, usage);
        await keepAnswer(control, job.doc, request, callParameters(job.doc, request, deps.ai.model), deps.ai.name, result);
      }
    });
    counting = count.catch(() => {});
    return count;
  }
}
