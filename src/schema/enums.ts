/**
 * The contract's enums as GraphQL enums: objects derived from the value lists of
 * src/errors/enum-values.ts (value = GraphQL name), registered with their descriptions.
 */
import { registerEnumType } from 'type-graphql';
import {
  BATCH_STATUSES,
  enumObject,
  EXECUTION_MODES,
  JOB_ERROR_CODES,
  JOB_EVENT_TYPES,
  JOB_STATUSES,
  REVIEW_ANSWER_SOURCES,
  REVIEW_DECISIONS,
  REVIEW_TIMEOUT_ACTIONS,
  SCHEDULE_STATUSES,
  STEP_STATUSES,
  WEBHOOK_DELIVERY_STATUSES,
  type BatchStatusValue,
  type ExecutionModeValue,
  type JobErrorCodeValue,
  type JobEventTypeValue,
  type JobStatusValue,
  type ReviewAnswerSourceValue,
  type ReviewDecisionValue,
  type ReviewTimeoutActionValue,
  type ScheduleStatusValue,
  type StepStatusValue,
  type WebhookDeliveryStatusValue,
} from '../errors/index.js';

export const JobStatus = enumObject(JOB_STATUSES);
export type JobStatus = JobStatusValue;

registerEnumType(JobStatus, {
  name: 'JobStatus',
  description: 'Where a job is in its life.',
  valuesConfig: {
    RETRYING: {
      description: 'A step failed with a retryable error; the job waits for its next attempt.',
    },
    AWAITING_REVIEW: {
      description: 'A step waits for a person to approve, edit or reject its output (reviewJob, or its callback URL); no worker is held meanwhile.',
    },
    SCHEDULED: { description: 'Submitted with a runAt in the future: the job waits for it, holding no worker, and can be cancelled.' },
    AWAITING_BATCH: {
      description:
        "An executionMode BATCH job whose AI calls wait in the provider's Batch API; no worker is held meanwhile, and the job goes on once they are answered (progress says how many are). Can be cancelled.",
    },
  },
});

export const StepStatus = enumObject(STEP_STATUSES);
export type StepStatus = StepStatusValue;

registerEnumType(StepStatus, {
  name: 'StepStatus',
  description: 'Where one step of a job is in its life.',
  valuesConfig: {
    AWAITING_REVIEW: { description: 'The step produced its output and waits for a review (JobStep.review) before the job goes on.' },
  },
});

export const JobErrorCode = enumObject(JOB_ERROR_CODES);
export type JobErrorCode = JobErrorCodeValue;

registerEnumType(JobErrorCode, {
  name: 'JobErrorCode',
  description: 'Why a job or a step failed.',
  valuesConfig: {
    RATE_LIMITED: { description: 'The AI provider rate-limited us and retries ran out.' },
    TIMEOUT: { description: 'An AI call or the whole job ran past its time limit.' },
    NETWORK: { description: 'Network failure reaching the AI provider, after retries.' },
    CONTEXT_LENGTH_EXCEEDED: { description: "The input did not fit the model's context. Not retried." },
    CONTENT_POLICY: { description: 'The provider refused the content. Not retried.' },
    INVALID_INPUT: { description: "The job's input is invalid for its kind. Not retried." },
    PROVIDER_ERROR: { description: 'Any other provider error.' },
    BUDGET_EXCEEDED: {
      description: "The next AI call would have passed the job's budget or the tenant's monthly budget; it was not made. Not retried.",
    },
    AGENT_MAX_TURNS: {
      description: 'An agent (ctx.agent) was still calling tools when its maxTurns model turns ran out. Not retried.',
    },
    UNSUPPORTED_FILE: {
      description:
        'A file the job reads has no text to extract (a scanned PDF), is of a type that cannot be read, or is damaged; the message says which. Not retried.',
    },
    REVIEW_REJECTED: {
      description: "A review of a step's output was answered REJECT (by a person, or by its onTimeout). Not retried.",
    },
  },
});

export const JobEventType = enumObject(JOB_EVENT_TYPES);
export type JobEventType = JobEventTypeValue;

registerEnumType(JobEventType, {
  name: 'JobEventType',
  description: 'What happened to a job.',
  valuesConfig: {
    SCHEDULED: { description: 'Submitted with a runAt in the future: the job waits for it (its first event).' },
    REVIEW_REQUESTED: { description: "A step's output waits for a review; the step (and job.steps) shows what to review." },
    REVIEWED: { description: 'A review was answered: the step shows the decision, who answered, when, and the comment.' },
  },
});

export const ReviewDecision = enumObject(REVIEW_DECISIONS);
export type ReviewDecision = ReviewDecisionValue;

registerEnumType(ReviewDecision, {
  name: 'ReviewDecision',
  description: 'An answer to a review.',
  valuesConfig: {
    APPROVE: { description: 'Go on with the output as it is.' },
    EDIT: { description: 'Go on with the output given in the answer: it replaces the step\'s output before any later step uses it.' },
    REJECT: { description: 'Stop: the job fails with REVIEW_REJECTED (not retried).' },
  },
});

export const ReviewTimeoutAction = enumObject(REVIEW_TIMEOUT_ACTIONS);
export type ReviewTimeoutAction = ReviewTimeoutActionValue;

registerEnumType(ReviewTimeoutAction, {
  name: 'ReviewTimeoutAction',
  description: 'What an unanswered review does once its timeout has passed.',
});

export const ReviewAnswerSource = enumObject(REVIEW_ANSWER_SOURCES);
export type ReviewAnswerSource = ReviewAnswerSourceValue;

registerEnumType(ReviewAnswerSource, {
  name: 'ReviewAnswerSource',
  description: 'How a review was answered.',
  valuesConfig: {
    API_KEY: { description: 'reviewJob with an API key (ReviewAnswer.by: the key\'s id).' },
    ACCESS_TOKEN: { description: 'reviewJob with a scoped access token (ReviewAnswer.by: the token\'s id).' },
    CALLBACK: { description: "A POST to the review's one-time callback URL." },
    TIMEOUT: { description: 'Nobody answered within its timeout: its onTimeout was taken.' },
  },
});

export const ScheduleStatus = enumObject(SCHEDULE_STATUSES);
export type ScheduleStatus = ScheduleStatusValue;

registerEnumType(ScheduleStatus, {
  name: 'ScheduleStatus',
  description: 'Whether a recurring schedule submits jobs.',
  valuesConfig: {
    ACTIVE: { description: 'Submits one job per tick.' },
    PAUSED: { description: 'Submits nothing until resumed; ticks missed meanwhile are not made up.' },
  },
});

export const BatchStatus = enumObject(BATCH_STATUSES);
export type BatchStatus = BatchStatusValue;

registerEnumType(BatchStatus, {
  name: 'BatchStatus',
  description: 'Where a batch is in its life.',
  valuesConfig: {
    COMPLETED: { description: 'Every job finished (some may have failed).' },
  },
});

export const WebhookDeliveryStatus = enumObject(WEBHOOK_DELIVERY_STATUSES);
export type WebhookDeliveryStatus = WebhookDeliveryStatusValue;

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where the delivery of one webhook message stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet; more attempts are scheduled.' },
    FAILED: {
      description: 'Every scheduled attempt failed, or the endpoint was disabled or deleted.',
    },
  },
});

export const ExecutionMode = enumObject(EXECUTION_MODES);
export type ExecutionMode = ExecutionModeValue;

registerEnumType(ExecutionMode, {
  name: 'ExecutionMode',
  description: "How a job's AI calls are served: at once, at the provider's cheaper flex tier, or through its Batch API.",
  valuesConfig: {
    REALTIME: { description: "At the provider's default tier, as fast as it answers. The default." },
    FLEX: {
      description:
        'At the provider\'s flex tier (`service_tier: "flex"`): cheaper, slower and sometimes unavailable, for work that can wait; priced at the model\'s flex rate (its default rate when the price table has none).',
    },
    BATCH: {
      description:
        "Through the provider's Batch API: each step's AI calls are gathered with those of other BATCH jobs into a batch file, answered within 24 h at the batch rate (half price at OpenAI; the default rate when the price table has none). The job holds no worker while it waits (AWAITING_BATCH). Calls not answered by the job's batchDeadline, or whose batch expired, are made at once instead.",
    },
  },
});
