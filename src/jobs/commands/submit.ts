/**
 * submitJob and analyzeDocuments: validate everything first (nothing is stored for a
 * bad request), write the job records and their live records, append QUEUED, (then the
 * batch record), and wake a worker with ids only.
 *
 * The request's deadline is consulted once, right before the first write (`commit`):
 * past it, nothing has been stored and the caller gets TIMEOUT; before it, the
 * submission runs to the end whatever the clock says, so an answer is never "failed"
 * for work that was done.
 */
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import type { BatchDoc, JobDoc } from '../../db/jobs/index.js';
import { badInput } from '../../errors/index.js';
import { settleBatchIfDone, submissionTrace } from '../lifecycle/index.js';
import { batchDeadlineOf, checkExecutionOptions, checkSubmissionAi, type AiOptionsRequest, type ExecutionOptionsRequest } from '../ai-control/index.js';
import { awaitCreated, fingerprint, reserveKey } from './idempotency.js';
import { validateJobInput, type DocumentAnalyzeInput, type Pipeline, type ReviewOptions } from '../pipelines/index.js';
import { checkJsonLimits, excerpt } from './input-limits.js';
import type { JobsDomain } from './domain.js';
import { checkFileRefs, fileRefFrom, type FileScope } from './file-refs.js';
import { newId, newJobDoc, requestHash } from './new-job.js';
import { runAtBatchTimerId, store, storeInBatches, storeMissing, wake } from './store-jobs.js';
import { holdToAllowance } from './submit-allowance.js';
import { MAX_ATTEMPTS_LIMIT, PRIORITY_LIMIT, type SubmitAllowance } from '../../config/index.js';

/** The request's deadline as a submission sees it: `commit()` throws TIMEOUT once it has passed. */
export interface WriteDeadline {
  commit(): void;
}

export interface SubmitJobRequest extends AiOptionsRequest, ExecutionOptionsRequest {
  kind: string;
  input: unknown;
  idempotencyKey?: string | null;
  priority?: number | null;
  maxAttempts?: number | null;
  metadata?: unknown;
  /** The start time: the job is SCHEDULED until then (absent, or not in the future: it is queued now). */
  runAt?: Date | null;
  /** The recurring schedule submitting it (schedules/). */
  scheduleId?: string | null;
  /** The submitting HTTP request's id, kept on the job so the worker's log lines name it. */
  requestId?: string | null;
  deadline?: WriteDeadline | null;
  /** Which uploads the caller may name (absent: every upload of the tenant). */
  fileScope?: FileScope;
  /** Set for a submission made with an access token: what its job may ask for. */
  allowance?: SubmitAllowance | null;
}

/** One document: its text, or a file (an upload's id or a URL) that a first step reads. */
export interface DocumentRequest {
  name: string;
  text?: string | null;
  file?: { id?: string | null; url?: string | null } | null;
}

export interface AnalyzeDocumentsRequest extends AiOptionsRequest, ExecutionOptionsRequest {
  documents: DocumentRequest[];
  instructions?: string | null;
  /** Each document's analysis waits for a person's review before it is final. */
  review?: { instructions?: string | null; timeout?: string | null; onTimeout?: 'APPROVE' | 'REJECT' | null } | null;
  /** The start time of every job of the batch (see SubmitJobRequest.runAt). */
  runAt?: Date | null;
  idempotencyKey?: string | null;
  metadata?: unknown;
  requestId?: string | null;
  deadline?: WriteDeadline | null;
  fileScope?: FileScope;
  allowance?: SubmitAllowance | null;
}

const MAX_KEY_LENGTH = 255;
const MAX_METADATA_BYTES = 16_384;
const MAX_INSTRUCTIONS = 4_000;
const DEFAULT_BATCH_DEADLINE_MS = 86_400_000;

export async function submitJob(d: JobsDomain, tenantId: string, req: SubmitJobRequest): Promise<JobDoc> {
  const { job, print, input, idempotencyKey } = await prepareJob(d, tenantId, req);
  await d.tenantBudgets?.assertCanSubmit(tenantId);
  req.deadline?.commit();
  if (!idempotencyKey) return enqueueNew(d, [job]).then((jobs) => jobs[0]!);

  // The key reserves this job's id; the fingerprint tells a replay from a conflict.
  const r = await reserveKey(d.stores.claims, { tenantId, what: 'job', key: idempotencyKey }, job._id, print, requestHash({ kind: req.kind, input }));
  if (!r.fresh) {
    const existing = await awaitCreated(() => d.stores.jobs.findForTenant(tenantId, r.id));
    if (existing) return existing;
  }
  return insertOrLoad(d, { ...job, _id: r.id });
}

/**
 * Checks a submission (errors name the field under `input`) and makes its job, storing
 * nothing: submitJob then stores it; createSchedule checks a schedule's job template with it.
 */
export async function prepareJob(d: JobsDomain, tenantId: string, asked: SubmitJobRequest) {
  const pipeline = d.kinds.get(asked.kind);
  if (!pipeline) throw badInput(['input', 'kind'], `unknown kind "${excerpt(asked.kind)}"; known kinds: ${d.kinds.names().join(', ')}`);
  checkJsonLimits(asked.input, ['input', 'input'], { maxDepth: d.limits.maxJsonDepth, maxBytes: d.limits.maxInputBytes });
  const input = validateJobInput(pipeline, asked.input, ['input', 'input'], d.limits);
  await checkFileRefs(d, tenantId, pipeline, input, ['input', 'input'], asked.fileScope);
  const stepModels = pipeline.requestedModels?.(input) ?? [];
  // An access token's submission is held to the allowance it was minted with.
  const req = holdToAllowance(asked.allowance, asked, {
    defaultModel: d.models?.defaultModel,
    defaultMaxAttempts: d.defaultMaxAttempts,
    stepModels,
    stepOutputTokens: pipeline.requestedOutputTokens?.(input) ?? [],
  });
  const common = checkCommon(d, req, ['input']);
  const maxAttempts = checkRange(req.maxAttempts, ['input', 'maxAttempts'], 1, MAX_ATTEMPTS_LIMIT) ?? d.defaultMaxAttempts;
  const aiFields = checkSubmissionAi(req, d.models, ['input'], stepModels);
  const execution = checkExecutionOptions(req, ['input']);
  const runAt = checkRunAt(d, req.runAt, ['input', 'runAt']);
  // Everything that shapes the job: a replay with the key must match all of it.
  const print = fingerprint({ kind: req.kind, input, priority: common.priority, maxAttempts, metadata: common.metadata, ...aiRequestFields(aiFields), ...execution, ...runAtField(req.runAt) });
  // A BATCH job's deadline counts from its submission (a scheduled one's, from its start time).
  const batchDeadline = batchDeadlineOf(execution, runAt ?? new Date(), d.batchDeadlineMs ?? DEFAULT_BATCH_DEADLINE_MS);
  const job: JobDoc = {
    ...newJobDoc(pipeline, { tenantId, kind: req.kind, input, maxAttempts, batchId: null, ...common, ...aiFields, ...execution, batchDeadline, requestId: req.requestId ?? null, trace: submissionTrace(), runAt, scheduleId: req.scheduleId ?? null }),
    requestHash: print.hash,
  };
  return { job, print, input, idempotencyKey: common.idempotencyKey };
}

/** The AI options and budget as they take part in a request's fingerprint. */
function aiRequestFields(f: ReturnType<typeof checkSubmissionAi>) {
  return {
    model: f.ai?.model ?? null,
    temperature: f.ai?.temperature ?? null,
    maxOutputTokens: f.ai?.maxOutputTokens ?? null,
    budget: f.budget ?? null,
  };
}

export async function analyzeDocuments(d: JobsDomain, tenantId: string, asked: AnalyzeDocumentsRequest): Promise<BatchDoc> {
  const req = holdToAllowance(asked.allowance, asked as AnalyzeDocumentsRequest & { priority?: number | null; maxAttempts?: number | null }, {
    defaultModel: d.models?.defaultModel,
    defaultMaxAttempts: d.defaultMaxAttempts,
    stepModels: [],
    stepOutputTokens: [],
  });
  const pipeline = d.kinds.get('document.analyze')!;
  if (req.documents.length === 0) throw badInput(['input', 'documents'], 'must contain at least one document');
  if (req.documents.length > d.limits.maxBatchDocuments) {
    throw badInput(['input', 'documents'], `has ${req.documents.length} documents; at most ${d.limits.maxBatchDocuments} are accepted`);
  }
  if (req.instructions && req.instructions.length > MAX_INSTRUCTIONS) {
    throw badInput(['input', 'instructions'], `is longer than ${MAX_INSTRUCTIONS} characters`);
  }
  const review = reviewOption(req.review);
  if (review) checkReviewOption(pipeline, review);
  const documents = req.documents.map((doc) => ({
    name: doc.name,
    ...(doc.text !== null && doc.text !== undefined ? { text: doc.text } : {}),
    ...(doc.file ? { file: fileRefFrom(doc.file) } : {}),
  }));
  const inputs: DocumentAnalyzeInput[] = documents.map((doc, i) =>
    validateJobInput(
      pipeline,
      { ...doc, ...(req.instructions ? { instructions: req.instructions } : {}), ...(review ? { review } : {}) },
      ['input', 'documents', i],
      d.limits,
    ) as DocumentAnalyzeInput,
  );
  for (const [i, input] of inputs.entries()) await checkFileRefs(d, tenantId, pipeline, input, ['input', 'documents', i], req.fileScope);
  // A batch's jobs run at priority 0 and the default attempts, unless a token's allowance is lower.
  const common = checkCommon(d, req, ['input']);
  const maxAttempts = req.maxAttempts ?? d.defaultMaxAttempts;
  const aiFields = checkSubmissionAi(req, d.models, ['input'], []);
  const execution = checkExecutionOptions(req, ['input']);
  const runAt = checkRunAt(d, req.runAt, ['input', 'runAt']);
  await d.tenantBudgets?.assertCanSubmit(tenantId);
  const print = fingerprint({
    documents,
    instructions: req.instructions ?? null,
    metadata: common.metadata,
    ...aiRequestFields(aiFields),
    ...execution,
    ...(review ? { review } : {}),
    ...runAtField(req.runAt),
  });
  const hash = print.hash;
  req.deadline?.commit();
  let batchId = newId();
  let replay = false;
  let fresh = true;
  if (common.idempotencyKey) {
    const legacy = requestHash({ documents, instructions: req.instructions ?? null });
    const r = await reserveKey(d.stores.claims, { tenantId, what: 'batch', key: common.idempotencyKey }, batchId, print, legacy);
    batchId = r.id;
    fresh = r.fresh;
    // A replay waits for a first request still under way, then completes what it left undone.
    replay = !r.fresh && (await awaitCreated(() => d.stores.batches.findForTenant(tenantId, batchId))) !== null;
  }
  // Job ids derive from the batch id, so a replay after a crash recreates the same jobs.
  const trace = submissionTrace();
  const batchDeadline = batchDeadlineOf(execution, runAt ?? new Date(), d.batchDeadlineMs ?? DEFAULT_BATCH_DEADLINE_MS);
  const jobs = inputs.map((input, i) =>
    newJobDoc(pipeline, {
      tenantId,
      kind: 'document.analyze',
      input,
      priority: common.priority,
      maxAttempts,
      metadata: common.metadata,
      idempotencyKey: null,
      batchId,
      id: `${batchId}-${String(i).padStart(5, '0')}`,
      ...aiFields,
      ...execution,
      batchDeadline,
      requestId: req.requestId ?? null,
      trace,
      runAt,
    }),
  );
  const batch: BatchDoc = {
    _id: batchId,
    tenantId,
    status: 'RUNNING',
    total: jobs.length,
    jobIds: jobs.map((j) => j._id),
    idempotencyKey: common.idempotencyKey,
    requestHash: hash,
    metadata: common.metadata === undefined || common.metadata === null ? null : JSON.stringify(common.metadata),
    instructions: req.instructions ?? null,
    createdAt: new Date(),
    finishedAt: null,
    counts: null,
    reopened: 0,
  };
  // One timer starts every job of a scheduled batch; set first, it finds nothing to start if the rest never came.
  if (runAt) await d.timers.set(runAtBatchTimerId(batchId), 'run-at-batch', batchId, runAt);
  // The jobs go first, so a batch never exists without its jobs; a replay after a crash
  // before the batch insert recreates the missing jobs under the same ids.
  if (replay) {
    await wake(d, await storeMissing(d, jobs));
    return (await d.stores.batches.findById(batchId))!;
  }
  // A key reserved before by a request that died may have some jobs stored already.
  const storedBefore = fresh ? (await storeInBatches(d, jobs), false) : (await storeMissing(d, jobs)).length < jobs.length;
  try {
    await d.stores.batches.insert(batch);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return (await d.stores.batches.findById(batchId))!;
  }
  // Jobs stored earlier may have finished (woken by the lost-work sweep) before their batch existed.
  if (storedBefore) await settleBatchIfDone(d.stores, d.notifier, batchId);
  await wake(d, jobs);
  return batch;
}

/**
 * A start time: null for none, or one not in the future (the job is queued now); at most
 * RUN_AT_MAX_AHEAD ahead.
 */
function checkRunAt(d: JobsDomain, runAt: Date | null | undefined, path: string[]): Date | null {
  if (runAt === null || runAt === undefined) return null;
  if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) throw badInput(path, 'must be an ISO-8601 time, e.g. 2026-12-24T07:00:00Z');
  const ahead = runAt.getTime() - Date.now();
  if (ahead > d.maxRunAtAheadMs) throw badInput(path, `is more than RUN_AT_MAX_AHEAD (${Math.round(d.maxRunAtAheadMs / 86_400_000)} days) ahead`);
  return ahead > 0 ? runAt : null;
}

/** The start time as it takes part in a request's fingerprint: only when given. */
const runAtField = (runAt: Date | null | undefined) => (runAt ? { runAt: runAt.toISOString() } : {});

/** analyzeDocuments' `review`, with its unset fields left out (as the kind's input takes it). */
function reviewOption(review: AnalyzeDocumentsRequest['review']): ReviewOptions | undefined {
  if (!review) return undefined;
  return {
    ...(review.instructions != null ? { instructions: review.instructions } : {}),
    ...(review.timeout != null ? { timeout: review.timeout } : {}),
    ...(review.onTimeout != null ? { onTimeout: review.onTimeout } : {}),
  };
}

/** Checked once for the batch, so an error names `input.review`, not each document. */
function checkReviewOption(pipeline: Pipeline<unknown>, review: ReviewOptions): void {
  validateJobInput(pipeline, { text: 'x', review }, ['input'], { maxDocumentBytes: 1, maxChainSteps: 1 });
}

function checkCommon(d: JobsDomain, req: { idempotencyKey?: string | null; priority?: number | null; metadata?: unknown }, base: string[]) {
  const key = req.idempotencyKey ?? null;
  if (key !== null && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
    throw badInput([...base, 'idempotencyKey'], `must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  if (req.metadata !== undefined && req.metadata !== null) {
    checkJsonLimits(req.metadata, [...base, 'metadata'], { maxDepth: d.limits.maxJsonDepth, maxBytes: MAX_METADATA_BYTES });
  }
  const priority = checkRange(req.priority, [...base, 'priority'], -PRIORITY_LIMIT, PRIORITY_LIMIT) ?? 0;
  return { idempotencyKey: key, priority, metadata: req.metadata ?? null };
}

function checkRange(value: number | null | undefined, path: string[], min: number, max: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(path, `must be a whole number from ${min} to ${max}`);
  return value;
}

async function insertOrLoad(d: JobsDomain, job: JobDoc): Promise<JobDoc> {
  try {
    await store(d, [job]);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return (await d.stores.jobs.findById(job._id))!;
  }
  await wake(d, [job]);
  return job;
}

async function enqueueNew(d: JobsDomain, jobs: JobDoc[]): Promise<JobDoc[]> {
  await store(d, jobs);
  await wake(d, jobs);
  return jobs;
}
