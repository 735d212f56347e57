/**
 * The package's entry point (`import { defineJobKind } from 'ai-jobs'`), for a kinds module
 * (JOB_KINDS_MODULE) that wants types. It only names types and one identity function, so
 * importing it loads nothing else and starts nothing: the compiled file imports no module.
 * A kinds module may equally export plain objects and import nothing at all.
 */
import type { JobKindDefinition } from './jobs/index.js';

export type { JobKindDefinition, PipelineLimits, ResultMeta, StepContext } from './jobs/index.js';
/** One step of a kind: `{ name, run(ctx) }`; `run` returns the step's output, any JSON value. */
export type { PipelineStep as JobKindStep } from './jobs/index.js';
export type { ChatMessage, CompletionRequest, CompletionResult, CompletionUsage } from './ai/index.js';
/** A tool for ctx.agent, or for the `agent` kind when a kinds module exports it in `tools`. */
export type { AgentTool, AgentToolContext } from './jobs/index.js';

/**
 * Returns the definition as given: it exists so that an editor checks the definition and
 * infers the input's type for `steps`, `result` and every `run(ctx)`.
 */
export function defineJobKind<TInput = unknown>(definition: JobKindDefinition<TInput>): JobKindDefinition<TInput> {
  return definition;
}
