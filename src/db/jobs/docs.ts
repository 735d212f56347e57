/**
 * The stored shapes of jobs, batches and job events. User- and model-supplied JSON
 * (input, metadata, results, step outputs) is stored as JSON text: FerretDB refuses
 * keys with `.` or a leading `$` and nested arrays, and text round-trips any JSON.
 * The job document is the single source of truth for a job's status and progress.
 */

import type {
  BatchStatusValue,
  ExecutionModeValue,
  JobErrorCodeValue,
  JobEventTypeValue,
  JobStatusValue,
  ReviewAnswerSourceValue,
  ReviewDecisionValue,
  ReviewTimeoutActionValue,
  StepStatusValue,
} from '../../errors/index.js';
import type { TraceContextDoc } from '../trace-context.js';

// The status and code unions are declared once, as data, in src/errors/enum-values.ts.
export type { BatchStatusValue, ExecutionModeValue, JobErrorCodeValue, JobEventTypeValue, JobStatusValue, ReviewAnswerSourceValue, ReviewDecisionValue, ReviewTimeoutActionValue, StepStatusValue };

export const TERMINAL_JOB_STATUSES: readonly JobStatusValue[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
export const isTerminalStatus = (s: JobStatusValue): boolean => TERMINAL_JOB_STATUSES.includes(s);

export interface UsageDoc {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** null once any call was made with a model that has no price. */
  costUsd: number | null;
  /** Answers reused from the response cache: no call made, nothing paid (not in `calls`). Absent: 0. */
  cachedCalls?: number;
  /** The part of `promptTokens` the provider served from its prompt cache (cached-input rate). Absent: 0. */
  cachedPromptTokens?: number;
  /**
   * What the same calls would have cost at the default (realtime) rate, answers reused from the
   * response cache included: `costUsd` below it is what FLEX, BATCH and the cache saved. Absent:
   * equal to `costUsd` (usage stored before it was counted). Null once any model has no price.
   */
  realtimeCostUsd?: number | null;
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
  /** The step's review (`ctx.review`), once one was asked for: what to review and, once answered, the answer. */
  review?: StepReviewDoc | null;
}

/** A review of a step's output: asked for by `ctx.review(key, …)`, answered once (see src/jobs/review). */
export interface StepReviewDoc {
  /** Names the review within its step ('review' for the built-in kinds). */
  key: string;
  /** The job's review round when it was asked (JobDoc.reviewRound): a retry after a rejection asks again. */
  round: number;
  instructions: string | null;
  /** JSON text of what to review. */
  output: string;
  requestedAt: Date;
  /** When an unanswered review takes `onTimeout`; null: it waits. */
  expiresAt: Date | null;
  onTimeout: ReviewTimeoutActionValue | null;
  answer: ReviewAnswerDoc | null;
}

export interface ReviewAnswerDoc {
  decision: ReviewDecisionValue;
  via: ReviewAnswerSourceValue;
  /** Which key or token answered (its id); null for a callback or a timeout. */
  by: string | null;
  at: Date;
  comment: string | null;
  /** JSON text of the edited output (EDIT); null otherwise. */
  output: string | null;
}

/**
 * Why a job's live record holds no lease and no runAt: the job waits for something outside
 * (see src/jobs/lifecycle/park.ts). Its status names what: a review, a start time.
 */
export interface ParkDoc {
  status: ParkedStatusValue;
  since: Date;
  /** When the wait ends by itself, if it does (a start time, a review's timeout). */
  until: Date | null;
}

export type ParkedStatusValue = Extract<JobStatusValue, 'AWAITING_REVIEW' | 'SCHEDULED' | 'AWAITING_BATCH'>;

/** Who runs the job now. `generation` grows by one per claim (see lease.ts). */
export interface LeaseDoc {
  owner: string;
  generation: number;
  expiresAt: Date;
}

/**
 * A job's scheduling facts, kept in `live_jobs` while the job is not finished or still
 * owes what follows its finish (its webhooks, its batch's settlement, its terminal
 * event); deleted once done. Its status, steps and results stay in the job record.
 */
export interface LiveJobDoc {
  /** The job's id. */
  _id: string;
  priority: number;
  /** When the next attempt may start (QUEUED or RETRYING); null while a lease is held. */
  runAt: Date | null;
  lease: LeaseDoc | null;
  /** The highest claim generation of this live record so far. */
  leaseGeneration: number;
  createdAt: Date;
  /** Set while the job waits for something outside, holding no lease and no runAt (park.ts); absent or null otherwise. */
  parked?: ParkDoc | null;
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
  /** AI parameters asked for on submission (absent or null: the deployment's defaults). */
  ai?: { model: string | null; temperature: number | null; maxOutputTokens: number | null } | null;
  /** REALTIME (absent), FLEX (the provider tier its AI calls ask for) or BATCH (the provider's Batch API). */
  executionMode?: ExecutionModeValue;
  /** BATCH: calls not answered by then are made at once (the submission's batchDeadline, or AI_BATCH_DEADLINE after it). */
  batchDeadline?: Date | null;
  /**
   * BATCH: set once the job gave up waiting for the provider (its batch expired or failed, or its
   * batchDeadline passed): from then on its calls are made at once.
   */
  batchFallback?: { at: Date; reason: string } | null;
  /** BATCH: the calls (their `custom_id`s) answered by the provider's batch whose usage this job counted, so each counts once. */
  batchCallsCounted?: string[];
  /** True when the job asked to reuse stored answers of identical calls (the response cache). */
  cache?: boolean;
  /** Spending limits of this job, checked before every AI call. */
  budget?: { maxCostUsd: number | null; maxTokens: number | null } | null;
  /** The id of the HTTP request that submitted it (x-request-id), for following it in logs. */
  requestId?: string | null;
  /** The start time asked for on submission (`runAt`); the job is SCHEDULED until then. */
  runAt?: Date | null;
  /** Starts at 0; a retry of a job whose review was rejected asks its reviews again in the next round. */
  reviewRound?: number;
  /** What woke the parked job (e.g. a review's answer): its next start says so, instead of counting a new attempt. */
  wokenBy?: string | null;
  /** The recurring schedule that submitted it. */
  scheduleId?: string | null;
  /**
   * The OpenTelemetry context every span of this job continues: the submission's (or the
   * first traced attempt's), and the last attempt's for links. Absent while tracing is off.
   */
  trace?: (TraceContextDoc & { lastAttempt?: TraceContextDoc | null }) | null;
}

export interface BatchDoc {
  _id: string;
  tenantId: string;
  status: BatchStatusValue;
  total: number;
  /** Its jobs, in submission order: counts are read from these records by `_id`. */
  jobIds: string[];
  idempotencyKey: string | null;
  requestHash: string;
  /** JSON text, or null. */
  metadata: string | null;
  instructions: string | null;
  createdAt: Date;
  /** Set when it settled (every job finished, or cancelled); null again while a retried job runs. */
  finishedAt: Date | null;
  /** Its jobs by status as of its settlement (a status added since is absent: 0); null while it is open. */
  counts: Partial<Record<JobStatusValue, number>> | null;
  /** How many times it was reopened by a retry: numbers its settlements. */
  reopened: number;
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
  /** The job's trace id (OpenTelemetry), when it has one. */
  traceId?: string | null;
  /** On a STEP_PROGRESS event of an agent (`ctx.agent`): the turn or tool call it reports. */
  agent?: AgentActivityDoc | null;
}

/** One model turn or tool call of an agent run; arguments and result are JSON text (clipped), so any JSON round-trips. */
export interface AgentActivityDoc {
  agent: string;
  turn: number;
  phase: 'turn' | 'tool';
  tool: string | null;
  arguments: string | null;
  result: string | null;
  error: string | null;
  durationMs: number | null;
}
