/** A new job document, QUEUED (SCHEDULED with a start time), with one PENDING step per pipeline step. */
import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { ZERO_USAGE, type JobDoc, type StepDoc } from '../../db/jobs/index.js';
import type { Pipeline } from '../pipelines/index.js';
import { jobProgress } from '../lifecycle/index.js';

export interface NewJobOptions {
  tenantId: string;
  kind: string;
  input: unknown;
  priority: number;
  maxAttempts: number;
  metadata: unknown;
  idempotencyKey: string | null;
  batchId: string | null;
  id?: string;
  /** Per-job AI parameters and budget (see ai-options.ts). */
  ai?: JobDoc['ai'];
  budget?: JobDoc['budget'];
  /** FLEX (REALTIME when absent) and the response cache (see execution-options.ts). */
  executionMode?: JobDoc['executionMode'];
  cache?: JobDoc['cache'];
  /** BATCH: when to stop waiting for the provider (see batchDeadlineOf). */
  batchDeadline?: Date;
  requestId?: string | null;
  /** The submission's trace context (absent while tracing is off). */
  trace?: JobDoc['trace'];
  /** A start time in the future: the job is SCHEDULED until then. */
  runAt?: Date | null;
  /** The recurring schedule that submits it. */
  scheduleId?: string | null;
}

export const newId = (): string => new ObjectId().toHexString();

/** Identifies a submission's substance, so a replayed request can be told from a conflicting one. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export function newJobDoc(pipeline: Pipeline<unknown>, opts: NewJobOptions): JobDoc {
  const steps: StepDoc[] = pipeline.steps(opts.input).map((s, index) => ({
    index,
    name: s.name,
    status: 'PENDING',
    message: null,
    progress: null,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    output: null,
    error: null,
    usage: { ...ZERO_USAGE },
  }));
  const now = new Date();
  return {
    _id: opts.id ?? newId(),
    tenantId: opts.tenantId,
    kind: opts.kind,
    status: opts.runAt ? 'SCHEDULED' : 'QUEUED',
    input: JSON.stringify(opts.input),
    metadata: opts.metadata === undefined || opts.metadata === null ? null : JSON.stringify(opts.metadata),
    result: null,
    error: null,
    steps,
    progress: jobProgress(steps, opts.runAt ? `Scheduled for ${opts.runAt.toISOString()}` : 'Queued'),
    attempt: 1,
    maxAttempts: opts.maxAttempts,
    priority: opts.priority,
    batchId: opts.batchId,
    idempotencyKey: opts.idempotencyKey,
    requestHash: requestHash({ kind: opts.kind, input: opts.input }),
    usage: { ...ZERO_USAGE },
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
    ...(opts.ai ? { ai: opts.ai } : {}),
    ...(opts.budget ? { budget: opts.budget } : {}),
    ...(opts.executionMode && opts.executionMode !== 'REALTIME' ? { executionMode: opts.executionMode } : {}),
    ...(opts.cache ? { cache: true } : {}),
    ...(opts.batchDeadline ? { batchDeadline: opts.batchDeadline } : {}),
    requestId: opts.requestId ?? null,
    ...(opts.trace ? { trace: opts.trace } : {}),
    ...(opts.runAt ? { runAt: opts.runAt } : {}),
    ...(opts.scheduleId ? { scheduleId: opts.scheduleId } : {}),
  };
}
