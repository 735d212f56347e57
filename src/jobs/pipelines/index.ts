/** Pipelines: what a job kind is, the registry of kinds, input validation, the built-in kinds, and the operator's own (JOB_KINDS_MODULE). */
export type { DocumentAnalyzeInput } from './document-analyze.pipeline.js';
export { validateJobInput } from './input-validation.js';
export { InvalidJobInputError } from './kind.js';
export type { DeclaredReview, Pipeline, PipelineLimits, PipelineStep, ResultMeta, ReviewRequest, StepContext } from './kind.js';
export type { JobKindDefinition } from './kind-definition.js';
export { JobKindsModuleError, loadJobKinds } from './kinds-module.js';
export { defaultJobKinds } from './registry.js';
export { DEFAULT_REVIEW_KEY, parseReviewTimeout, reviewOptionsSchema } from './review-options.js';
export type { ReviewOptions } from './review-options.js';
export type { JobKinds } from './registry.js';
