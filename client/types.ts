/**
 * The shapes the public GraphQL contract returns, as the client's default selections
 * ask for them. Hand-written from the contract (schema.graphql); no generated code.
 */
export type JobStatus = 'QUEUED' | 'RUNNING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';
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
  | 'CANCELLED';

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
  batch: { id: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
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
}

/** The live side's state, for a "live / reconnecting" indicator. */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';
