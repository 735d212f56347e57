/**
 * The OpenTelemetry GenAI semantic convention names we set, and our own `ai_jobs.*` ones.
 * Copied rather than imported from `@opentelemetry/semantic-conventions/incubating`, as
 * that package advises for names not yet stable (they may change between its releases).
 */
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** Recorded only with OTEL_RECORD_CONTENT=true. */
export const GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';

export const AI_JOBS_COST_USD = 'ai_jobs.cost_usd';
export const AI_JOBS_CHECKPOINT_HIT = 'ai_jobs.checkpoint_hit';
export const AI_JOBS_CALL_ATTEMPTS = 'ai_jobs.call_attempts';
export const AI_JOBS_JOB_ID = 'ai_jobs.job.id';
export const AI_JOBS_JOB_KIND = 'ai_jobs.job.kind';
export const AI_JOBS_BATCH_ID = 'ai_jobs.batch.id';
export const AI_JOBS_TENANT_ID = 'ai_jobs.tenant.id';
export const AI_JOBS_STEP = 'ai_jobs.step';
export const AI_JOBS_STEP_INDEX = 'ai_jobs.step.index';
export const AI_JOBS_CALL = 'ai_jobs.call';
export const AI_JOBS_ATTEMPT = 'ai_jobs.attempt';
