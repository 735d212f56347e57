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
  STEP_STATUSES,
  WEBHOOK_DELIVERY_STATUSES,
  type BatchStatusValue,
  type ExecutionModeValue,
  type JobErrorCodeValue,
  type JobEventTypeValue,
  type JobStatusValue,
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
  },
});

export const StepStatus = enumObject(STEP_STATUSES);
export type StepStatus = StepStatusValue;

registerEnumType(StepStatus, {
  name: 'StepStatus',
  description: 'Where one step of a job is in its life.',
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
  },
});

export const JobEventType = enumObject(JOB_EVENT_TYPES);
export type JobEventType = JobEventTypeValue;

registerEnumType(JobEventType, {
  name: 'JobEventType',
  description: 'What happened to a job.',
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
  description: "How a job's AI calls are served. BATCH (the provider's Batch API, half price within 24 h) is to come.",
  valuesConfig: {
    REALTIME: { description: "At the provider's default tier, as fast as it answers. The default." },
    FLEX: {
      description:
        'At the provider\'s flex tier (`service_tier: "flex"`): cheaper, slower and sometimes unavailable, for work that can wait; priced at the model\'s flex rate (its default rate when the price table has none).',
    },
  },
});
