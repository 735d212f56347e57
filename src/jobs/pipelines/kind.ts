/**
 * What a job kind is: a named pipeline of steps. The runner owns state, retries, events,
 * usage and cancellation; a step only computes its output from the input and the outputs
 * of earlier steps, making AI calls through `ctx.complete` so that they are checkpointed.
 */
import type { CompletionRequest, CompletionResult } from '../../ai/index.js';
import type { AgentRequest, AgentResult } from '../agents/index.js';

export interface StepContext<TInput> {
  readonly jobId: string;
  /** The validated input of the job. */
  readonly input: TInput;
  /** Outputs of the steps before this one, by step name (parsed JSON). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Aborted when the job is cancelled, times out, or this worker loses its claim. */
  readonly signal: AbortSignal;
  /** The context window of the job's model in tokens (AI_CONTEXT_TOKENS when set). */
  readonly contextTokens: number;
  /** The job's model (its `model` option, else the configured one), and whether answers come from the offline stand-in. */
  readonly model: string;
  readonly offline: boolean;
  /**
   * One AI call, checkpointed under `key` (unique within the step): if an earlier attempt
   * already got an answer for that key, it is returned without calling (or paying) again.
   * Usage is added to the step and the job. Throws AiError.
   */
  complete(key: string, request: Omit<CompletionRequest, 'signal'>): Promise<CompletionResult>;
  /**
   * A tool-calling agent, checkpointed under `key` (unique within the step): each model turn
   * like `complete`, each tool call's outcome before it is used. A resumed job replays what is
   * stored and goes on from the turn where it stopped: no tool call that finished runs again,
   * no answered turn is paid again. Throws AgentMaxTurnsError (AGENT_MAX_TURNS) past `maxTurns`.
   */
  agent(key: string, request: AgentRequest): Promise<AgentResult>;
  /** Progress within the step, e.g. (3, 7, 'summarising chunk 3 of 7'); saved and emitted. */
  progress(completed: number, total: number, message: string): Promise<void>;
}

export interface PipelineStep<TInput> {
  name: string;
  /** Returns the step's output: any JSON value. */
  run(ctx: StepContext<TInput>): Promise<unknown>;
}

export interface Pipeline<TInput = unknown> {
  kind: string;
  description: string;
  /** The step names shown by `jobKinds` (a chain's are per job, so this is a template). */
  stepNames: readonly string[];
  /** JSON Schema of the input (served by jobKinds.inputSchema, checked on submit). */
  inputSchema: Record<string, unknown>;
  /** Checks beyond the schema; returns problems as [path within input, message]. */
  validate?(input: TInput, limits: PipelineLimits): Array<[ReadonlyArray<string | number>, string]>;
  /**
   * The AI options this kind accepts, shown by `jobKinds`: job-level ones (`model`, …) and
   * per-step ones inside the input (`steps[].model`, …).
   */
  options: readonly string[];
  /** Models the input itself asks for (e.g. per chain step), with their path within input. */
  requestedModels?(input: TInput): Array<[ReadonlyArray<string | number>, string]>;
  /** Answer caps the input itself asks for (per chain step), with their path within input. */
  requestedOutputTokens?(input: TInput): Array<[ReadonlyArray<string | number>, number]>;
  /** The steps of one job (a chain has one per entry). */
  steps(input: TInput): PipelineStep<TInput>[];
  /** The job's result from all step outputs. */
  result(outputs: Readonly<Record<string, unknown>>, input: TInput, meta: ResultMeta): unknown;
}

/** Facts about the run that every result carries. */
export interface ResultMeta {
  model: string;
  /** True when the answers came from the offline stand-in: results say so. */
  offline: boolean;
}

/** Added to a result made by the offline provider, so nobody mistakes it for a model's. */
export function offlineNotice(meta: ResultMeta): Record<string, unknown> {
  return meta.offline ? { offline: true, notice: 'Made by the offline stand-in (AI_PROVIDER=offline), not by a model.' } : {};
}

export interface PipelineLimits {
  maxDocumentBytes: number;
  maxChainSteps: number;
}

/** Thrown by a step for a problem with the job's input found while running. Not retried. */
export class InvalidJobInputError extends Error {
  override readonly name = 'InvalidJobInputError';
}
