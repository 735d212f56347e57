/**
 * The stored shapes of jobs, batches and job events. User- and model-supplied JSON
 * (input, metadata, results, step outputs) is stored as JSON text: FerretDB refuses
 * keys with `.` or a leading `$` and nested arrays, and text round-trips any JSON.
 * The job document is the single source of truth for a job's status and progress.
 */

export type JobStatusValue = 'QUEUED' | 'RUNNING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type StepStatusValue = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';
export type JobErrorCodeValue =
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'CONTEXT_LENGTH_EXCEEDED'
  | 'CONTENT_POLICY'
  | 'INVALID_INPUT'
  | 'PROVIDER_ERROR'
  | 'CANCELLED'
  | 'BUDGET_EXCEEDED'
  | 'INTERNAL';
export type JobEventTypeValue =
  | 'QUEUED'
  | 'STARTED'
  | 'STEP_STARTED'
  | 'STEP_PROGRESS'
  | 'STEP_SUCCEEDED'
  | 'STEP_FAILED'
  | 'RETRY_SCHEDULED'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELLED';
export type BatchStatusValue = 'RUNNING' | 'COMPLETED' | 'CANCELLED';

export const TERMINAL_JOB_STATUSES: readonly JobStatusValue[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
export const isTerminalStatus = (s: JobStatusValue): boolean => TERMINAL_JOB_STATUSES.includes(s);

export interface UsageDoc {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** null once any call was made with a model that has no price. */
  costUsd: number | null;
}

export const ZERO_USAGE: Readonly<UsageDoc> = Object.freeze({
  calls: 0,
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  costUsd: 0,
});

export interface ProgressDoc {
  completed: number;
  total: number;
  percent: number;
  message: string | null;
}

export interface JobErrorDoc {
  code: JobErrorCodeValue;
  message: string;
  retryable: boolean;
  step: string | null;
  at: Date;
}

export interface StepDoc {
  index: number;
  name: string;
  status: StepStatusValue;
  message: string | null;
  progress: ProgressDoc | null;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  /** JSON text. */
  output: string | null;
  error: JobErrorDoc | null;
  usage: UsageDoc;
  /** The model that answered this step's last AI call (absent before any call). */
  model?: string | null;
}

/** Who runs the job now. `generation` grows by one per claim (see job-claims). */
export interface LeaseDoc {
  owner: string;
  generation: number;
  expiresAt: Date;
}

export interface JobDoc {
  _id: string;
  tenantId: string;
  kind: string;
  status: JobStatusValue;
  /** JSON text of the validated input. */
  input: string;
  /** JSON text, or null. */
  metadata: string | null;
  /** JSON text, or null until SUCCEEDED. */
  result: string | null;
  error: JobErrorDoc | null;
  steps: StepDoc[];
  progress: ProgressDoc;
  /** The current or next attempt, 1-based. */
  attempt: number;
  maxAttempts: number;
  priority: number;
  batchId: string | null;
  idempotencyKey: string | null;
  /** SHA-256 of kind + input, to tell a replayed submission from a conflicting one. */
  requestHash: string;
  usage: UsageDoc;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  /** When the next attempt is due (QUEUED or RETRYING). */
  runAt: Date | null;
  lease: LeaseDoc | null;
  /** The highest claim generation so far; 0 before the first run. */
  leaseGeneration: number;
  /** Outbox flag: the terminal state is written, its webhook deliveries may not be yet. */
  webhooksPending: boolean;
  /** AI parameters asked for on submission (absent or null: the deployment's defaults). */
  ai?: { model: string | null; temperature: number | null; maxOutputTokens: number | null } | null;
  /** Spending limits of this job, checked before every AI call. */
  budget?: { maxCostUsd: number | null; maxTokens: number | null } | null;
}

export interface BatchDoc {
  _id: string;
  tenantId: string;
  status: BatchStatusValue;
  total: number;
  jobIds: string[];
  idempotencyKey: string | null;
  requestHash: string;
  /** JSON text, or null. */
  metadata: string | null;
  instructions: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  webhooksPending: boolean;
}

/** The step as it stood when an event was written (output left out to keep events small). */
export type StepSnapshotDoc = Omit<StepDoc, 'output'>;

export interface JobEventDoc {
  /** `${jobId}:${sequence}`: the primary key itself forbids a duplicate sequence. */
  _id: string;
  jobId: string;
  tenantId: string;
  batchId: string | null;
  /** 1, 2, 3 … per job, with no gaps. */
  sequence: number;
  type: JobEventTypeValue;
  at: Date;
  step: StepSnapshotDoc | null;
  progress: ProgressDoc;
  message: string | null;
  /** The job's status right after this event. */
  jobStatus: JobStatusValue;
}
