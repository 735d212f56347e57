/**
 * The contract's enums, each declared once as data. The stored unions (src/db), the AI error
 * codes (src/ai) and the GraphQL enums (src/schema/enums.ts) are all derived from these arrays.
 */

/**
 * Where a job is in its life. AWAITING_REVIEW, SCHEDULED and AWAITING_BATCH are parked states:
 * the job waits for something outside (a person's answer, its start time, the provider's
 * batch) and holds no worker.
 */
export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'AWAITING_REVIEW', 'SCHEDULED', 'AWAITING_BATCH'] as const;
export type JobStatusValue = (typeof JOB_STATUSES)[number];

/** Where one step of a job is in its life. */
export const STEP_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED', 'AWAITING_REVIEW'] as const;
export type StepStatusValue = (typeof STEP_STATUSES)[number];

/** Why an AI call failed: the codes src/ai folds every provider failure into. */
export const AI_ERROR_CODES = [
  'RATE_LIMITED',
  'TIMEOUT',
  'NETWORK',
  'CONTEXT_LENGTH_EXCEEDED',
  'CONTENT_POLICY',
  'INVALID_INPUT',
  'PROVIDER_ERROR',
  'CANCELLED',
] as const;
export type AiErrorCodeValue = (typeof AI_ERROR_CODES)[number];

/**
 * Why a job or a step failed: an AI error, a budget that the next call would pass, an agent
 * out of turns, a file with no text to read, a review that said no, or a failure of our own.
 */
export const JOB_ERROR_CODES = [...AI_ERROR_CODES, 'INTERNAL', 'BUDGET_EXCEEDED', 'AGENT_MAX_TURNS', 'UNSUPPORTED_FILE', 'REVIEW_REJECTED'] as const;
export type JobErrorCodeValue = (typeof JOB_ERROR_CODES)[number];

/** What happened to a job. */
export const JOB_EVENT_TYPES = [
  'QUEUED',
  'STARTED',
  'STEP_STARTED',
  'STEP_PROGRESS',
  'STEP_SUCCEEDED',
  'STEP_FAILED',
  'RETRY_SCHEDULED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'SCHEDULED',
  'REVIEW_REQUESTED',
  'REVIEWED',
] as const;
export type JobEventTypeValue = (typeof JOB_EVENT_TYPES)[number];

/**
 * How a job's AI calls are served: REALTIME at the provider's default tier, FLEX at its
 * cheaper, slower `flex` tier, BATCH through the provider's Batch API (half price, answers
 * within 24 h; the job holds no worker while it waits). FLEX and BATCH are for work that can wait.
 */
export const EXECUTION_MODES = ['REALTIME', 'FLEX', 'BATCH'] as const;
export type ExecutionModeValue = (typeof EXECUTION_MODES)[number];

/** What a person answers to a review: go on with the output as it is, go on with an edited output, or stop the job. */
export const REVIEW_DECISIONS = ['APPROVE', 'EDIT', 'REJECT'] as const;
export type ReviewDecisionValue = (typeof REVIEW_DECISIONS)[number];

/** What an unanswered review does once its timeout has passed. */
export const REVIEW_TIMEOUT_ACTIONS = ['APPROVE', 'REJECT'] as const;
export type ReviewTimeoutActionValue = (typeof REVIEW_TIMEOUT_ACTIONS)[number];

/** How a review's answer came: the reviewJob mutation with an API key or an access token, a POST to its callback URL, or its timeout. */
export const REVIEW_ANSWER_SOURCES = ['API_KEY', 'ACCESS_TOKEN', 'CALLBACK', 'TIMEOUT'] as const;
export type ReviewAnswerSourceValue = (typeof REVIEW_ANSWER_SOURCES)[number];

/** Whether a recurring schedule submits jobs. */
export const SCHEDULE_STATUSES = ['ACTIVE', 'PAUSED'] as const;
export type ScheduleStatusValue = (typeof SCHEDULE_STATUSES)[number];

/** Where a batch is in its life. */
export const BATCH_STATUSES = ['RUNNING', 'COMPLETED', 'CANCELLED'] as const;
export type BatchStatusValue = (typeof BATCH_STATUSES)[number];

/** Where the delivery of one webhook message stands. */
export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type WebhookDeliveryStatusValue = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** `{ A: 'A', B: 'B' }` for `['A', 'B']`: the object form that enum registries and `Code.A` lookups want. */
export type EnumObject<T extends readonly string[]> = { readonly [K in T[number]]: K };

export function enumObject<const T extends readonly string[]>(values: T): EnumObject<T> {
  return Object.freeze(Object.fromEntries(values.map((v) => [v, v]))) as EnumObject<T>;
}
