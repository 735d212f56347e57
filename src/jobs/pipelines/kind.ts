/**
 * What a job kind is: a named pipeline of steps. The runner owns state, retries, events,
 * usage and cancellation; a step only computes its output from the input and the outputs
 * of earlier steps, making AI calls through `ctx.complete` so that they are checkpointed.
 */
import type { CompletionRequest, CompletionResult } from '../../ai/index.js';
import type { AgentRequest, AgentResult, RegisteredTool } from '../agents/index.js';
import type { FileReadHooks, FileRef, ReadFile } from './files.js';

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
   * How the job's calls are served. Under BATCH a call without a stored answer is handed to
   * the provider's batch and the attempt ends there (the job waits, AWAITING_BATCH, holding no
   * worker; once answered the step runs again from its start and the call returns the answer),
   * so a step that makes independent calls should start them together (Promise.all): they then
   * travel in one batch instead of one batch each.
   */
  readonly executionMode: 'REALTIME' | 'FLEX' | 'BATCH';
  /**
   * One AI call, checkpointed under `key` (unique within the step): if an earlier attempt
   * already got an answer for that key, it is returned without calling (or paying) again.
   * Usage is added to the step and the job. Throws AiError. Under executionMode BATCH, see there.
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
  /**
   * Fetches a file of the job's tenant (an upload's id, or a URL through the address guard)
   * and extracts its text. Not checkpointed by itself: return what it gives as a step's
   * output (as the built-in `read` step does), so a retry does not read it again. Throws
   * FileReadError: UNSUPPORTED_FILE and INVALID_INPUT are not retried, NETWORK and TIMEOUT are.
   */
  readFile(ref: FileRef, hooks?: Pick<FileReadHooks, 'onOpened'>): Promise<ReadFile>;
  /**
   * Asks a person to review `request.output` before the job goes on, under `key` (unique
   * within the step). Resolves with what to go on with: the output as it is (APPROVE) or the
   * reviewer's edit (EDIT); a REJECT fails the job with REVIEW_REJECTED. Until an answer comes
   * (reviewJob, or a POST to the review's callback URL), the job is AWAITING_REVIEW and holds
   * no worker: this attempt ends here, and once answered the step runs again from its start,
   * its AI calls answered from their checkpoints, so that this call then returns the answer.
   * So call it after the step's AI calls, and make nothing before it that must not happen twice.
   */
  review(key: string, request: ReviewRequest): Promise<unknown>;
}

/** What `ctx.review` asks a person to look at. */
export interface ReviewRequest {
  /** The output to review: any JSON. */
  output: unknown;
  /** What the reviewer should look for; shown with the output. */
  instructions?: string | null;
  /** How long to wait for an answer, e.g. `90s`, `2h`, `3d` (at most 366d); absent: it waits however long it takes. */
  timeout?: string | null;
  /** What an unanswered review does after `timeout`. @defaultValue REJECT */
  onTimeout?: 'APPROVE' | 'REJECT' | null;
}

/** A review a job of the kind will ask for: the step that asks and the review's key. */
export interface DeclaredReview {
  step: string;
  key: string;
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
  /** The tools a job of this kind may name (the `agent` kind: those the operator registered), shown by `jobKinds`. */
  tools?(): RegisteredTool[];
  /** Files the input refers to, with their path within input: checked at submit (an upload must be the tenant's). */
  fileRefs?(input: TInput): Array<[ReadonlyArray<string | number>, FileRef]>;
  /** Answer caps the input itself asks for (per chain step), with their path within input. */
  requestedOutputTokens?(input: TInput): Array<[ReadonlyArray<string | number>, number]>;
  /** The steps of one job (a chain has one per entry). */
  steps(input: TInput): PipelineStep<TInput>[];
  /** The job's result from all step outputs. */
  result(outputs: Readonly<Record<string, unknown>>, input: TInput, meta: ResultMeta): unknown;
  /**
   * The reviews a job with this input asks for, when the kind knows them (the built-in kinds
   * do): an answer for any other step is refused (BAD_USER_INPUT). Absent: any step may be answered.
   */
  reviews?(input: TInput): DeclaredReview[];
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
