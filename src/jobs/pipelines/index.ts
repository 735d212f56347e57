/** Pipelines: what a job kind is, the registry of kinds, input validation, and the built-in kinds. */
export type { DocumentAnalyzeInput } from './document-analyze.pipeline.js';
export { validateJobInput } from './input-validation.js';
export { InvalidJobInputError } from './kind.js';
export type { Pipeline, PipelineStep, StepContext } from './kind.js';
export { defaultJobKinds } from './registry.js';
export type { JobKinds } from './registry.js';
