/**
 * The contract's enums as TypeScript string enums (value = GraphQL name),
 * registered with type-graphql together with their descriptions.
 */
import { registerEnumType } from 'type-graphql';

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  RETRYING = 'RETRYING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(JobStatus, {
  name: 'JobStatus',
  description: 'Where a job is in its life.',
  valuesConfig: {
    RETRYING: {
      description: 'A step failed with a retryable error; the job waits for its next attempt.',
    },
  },
});

export enum StepStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(StepStatus, {
  name: 'StepStatus',
  description: 'Where one step of a job is in its life.',
});

export enum JobErrorCode {
  RATE_LIMITED = 'RATE_LIMITED',
  TIMEOUT = 'TIMEOUT',
  NETWORK = 'NETWORK',
  CONTEXT_LENGTH_EXCEEDED = 'CONTEXT_LENGTH_EXCEEDED',
  CONTENT_POLICY = 'CONTENT_POLICY',
  INVALID_INPUT = 'INVALID_INPUT',
  PROVIDER_ERROR = 'PROVIDER_ERROR',
  CANCELLED = 'CANCELLED',
  INTERNAL = 'INTERNAL',
  BUDGET_EXCEEDED = 'BUDGET_EXCEEDED',
}

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
  },
});

export enum JobEventType {
  QUEUED = 'QUEUED',
  STARTED = 'STARTED',
  STEP_STARTED = 'STEP_STARTED',
  STEP_PROGRESS = 'STEP_PROGRESS',
  STEP_SUCCEEDED = 'STEP_SUCCEEDED',
  STEP_FAILED = 'STEP_FAILED',
  RETRY_SCHEDULED = 'RETRY_SCHEDULED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(JobEventType, {
  name: 'JobEventType',
  description: 'What happened to a job.',
});

export enum BatchStatus {
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(BatchStatus, {
  name: 'BatchStatus',
  description: 'Where a batch is in its life.',
  valuesConfig: {
    COMPLETED: { description: 'Every job finished (some may have failed).' },
  },
});

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

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
