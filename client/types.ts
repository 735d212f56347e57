/**
 * The shapes the public GraphQL contract returns, as the client's default selections
 * ask for them. Hand-written from the contract (schema.graphql); no generated code.
 */
export type JobStatus = 'QUEUED' | 'RUNNING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'AWAITING_REVIEW' | 'SCHEDULED' | 'AWAITING_BATCH';
/** How a job's AI calls are served: at once, at the provider's flex tier, or through its Batch API. */
export type ExecutionMode = 'REALTIME' | 'FLEX' | 'BATCH';
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELLED' | 'AWAITING_REVIEW';
export type ReviewDecision = 'APPROVE' | 'EDIT' | 'REJECT';
export type BatchStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLED';
export type JobEventType =
  | 'QUEUED'
  | 'STARTED'
  | 'STEP_STARTED'
  | 'STEP_PROGRESS'
  | 'STEP_SUCCEEDED'
  | 'STEP_FAILED'
  | 'RETRY_SCHEDULED'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELLED'
  | 'SCHEDULED'
  | 'REVIEW_REQUESTED'
  | 'REVIEWED';

export const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export interface Progress {
  completed: number;
  total: number;
  percent: number;
  message: string | null;
}

export interface Usage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number | null;
  /** What the same calls cost at the realtime rate; minus costUsd, what FLEX, BATCH and the cache saved. */
  realtimeCostUsd: number | null;
  savedUsd: number | null;
}

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
  step: string | null;
  at: string;
}

export interface JobStep {
  index: number;
  name: string;
  status: StepStatus;
  message: string | null;
  progress: Progress | null;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: JobError | null;
  usage: Usage;
  /** The step's review, once it asked for one (its output is not in JOB_FIELDS: ask for `review { output }`). */
  review: StepReview | null;
}

export interface StepReview {
  key: string;
  instructions: string | null;
  requestedAt: string;
  expiresAt: string | null;
  onTimeout: 'APPROVE' | 'REJECT' | null;
  answer: { decision: ReviewDecision; via: 'API_KEY' | 'ACCESS_TOKEN' | 'CALLBACK' | 'TIMEOUT'; by: string | null; at: string; comment: string | null } | null;
}

/** A job as JOB_FIELDS selects it (no input, result or events: ask for those apart). */
export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  priority: number;
  progress: Progress;
  steps: JobStep[];
  error: JobError | null;
  usage: Usage;
  executionMode: ExecutionMode;
  /** BATCH: why the job stopped waiting for the provider's batch, once it did. */
  batchFallback: string | null;
  batch: { id: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The start time it was submitted with (SCHEDULED until then). */
  runAt: string | null;
}

export interface JobEvent {
  id: string;
  jobId: string;
  sequence: number;
  type: JobEventType;
  at: string;
  message: string | null;
  step: { index: number; name: string; status: StepStatus; message: string | null; progress: Progress | null } | null;
  progress: Progress;
  job: Job;
}

export interface Batch {
  id: string;
  status: BatchStatus;
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  progress: Progress;
  createdAt: string;
  finishedAt: string | null;
}

export interface SubmitJobInput {
  kind: string;
  input: unknown;
  idempotencyKey?: string;
  priority?: number;
  maxAttempts?: number;
  metadata?: unknown;
  executionMode?: ExecutionMode;
  /** BATCH only: an ISO time past which unanswered calls are made at once. */
  batchDeadline?: string;
  cache?: boolean;
  /** ISO-8601: the job is SCHEDULED until then. */
  runAt?: string;
}

/** A file a job reads: an upload's id, or a URL the worker fetches. */
export type FileRef = { id: string } | { url: string };

/** An uploaded file (POST /files, `file(id)`, `files`). */
export interface UploadedFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface AnalyzeDocumentsInput {
  /** Each document's text, or a file its job reads first. */
  documents: Array<{ name: string; text: string } | { name: string; file: FileRef }>;
  instructions?: string;
  idempotencyKey?: string;
  metadata?: unknown;
  executionMode?: ExecutionMode;
  batchDeadline?: string;
  cache?: boolean;
  runAt?: string;
  /** Review each analysis before it is final. */
  review?: { instructions?: string; timeout?: string; onTimeout?: 'APPROVE' | 'REJECT' };
}

/** reviewJob's input: EDIT carries the output to go on with. */
export interface ReviewJobInput {
  jobId: string;
  step: string;
  key?: string;
  decision: ReviewDecision;
  output?: unknown;
  comment?: string;
}

/** The live side's state, for a "live / reconnecting" indicator. */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';
