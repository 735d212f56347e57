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
import type { BatchDoc, JobDoc, LiveJobDoc } from '../../db/jobs/index.js';
import { badInput } from '../../errors/index.js';
import { settleBatchIfDone, submissionTrace, traceIdField } from '../lifecycle/index.js';
import { checkExecutionOptions, checkSubmissionAi, type AiOptionsRequest, type ExecutionOptionsRequest } from '../ai-control/index.js';
import { awaitCreated, fingerprint, reserveKey } from './idempotency.js';
import { validateJobInput, type DocumentAnalyzeInput } from '../pipelines/index.js';
import { checkJsonLimits, excerpt } from './input-limits.js';
import type { JobsDomain } from './domain.js';
import { jobsSubmitted } from '../../metrics/metrics.js';
import { newId, newJobDoc, requestHash } from './new-job.js';
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
  /** The submitting HTTP request's id, kept on the job so the worker's log lines name it. */
  requestId?: string | null;
  deadline?: WriteDeadline | null;
  /** Set for a submission made with an access token: what its job may ask for. */
  allowance?: SubmitAllowance | null;
}

export interface AnalyzeDocumentsRequest extends AiOptionsRequest, ExecutionOptionsRequest {
  documents: Array<{ name: string; text: string }>;
  instructions?: string | null;
  idempotencyKey?: string | null;
  metadata?: unknown;
  requestId?: string | null;
  deadline?: WriteDeadline | null;
  allowance?: SubmitAllowance | null;
}

const MAX_KEY_LENGTH = 255;
const MAX_METADATA_BYTES = 16_384;
const MAX_INSTRUCTIONS = 4_000;
/** Jobs written per round trip by analyzeDocuments: bounded, so no single write grows with the batch. */
export const STORE_BATCH = 50;

export async function submitJob(d: JobsDomain, tenantId: string, asked: SubmitJobRequest): Promise<JobDoc> {
  const pipeline = d.kinds.get(asked.kind);
  if (!pipeline) throw badInput(['input', 'kind'], `unknown kind "${excerpt(asked.kind)}"; known kinds: ${d.kinds.names().join(', ')}`);
  checkJsonLimits(asked.input, ['input', 'input'], { maxDepth: d.limits.maxJsonDepth, maxBytes: d.limits.maxInputBytes });
  const input = validateJobInput(pipeline, asked.input, ['input', 'input'], d.limits);
  const stepModels = pipeline.requestedModels?.(input) ?? [];
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
  await d.tenantBudgets?.assertCanSubmit(tenantId);
  // Everything that shapes the job: a replay with the key must match all of it.
  const print = fingerprint({ kind: req.kind, input, priority: common.priority, maxAttempts, metadata: common.metadata, ...aiRequestFields(aiFields), ...execution });
  const job = { ...newJobDoc(pipeline, { tenantId, kind: req.kind, input, maxAttempts, batchId: null, ...common, ...aiFields, ...execution, requestId: req.requestId ?? null, trace: submissionTrace() }), requestHash: print.hash };
  req.deadline?.commit();
  if (!common.idempotencyKey) return enqueueNew(d, [job]).then((jobs) => jobs[0]!);

  // The key reserves this job's id; the fingerprint tells a replay from a conflict.
  const r = await reserveKey(d.stores.claims, { tenantId, what: 'job', key: common.idempotencyKey }, job._id, print, requestHash({ kind: req.kind, input }));
  if (!r.fresh) {
    const existing = await awaitCreated(() => d.stores.jobs.findForTenant(tenantId, r.id));
    if (existing) return existing;
  }
  return insertOrLoad(d, { ...job, _id: r.id });
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
  const inputs: DocumentAnalyzeInput[] = req.documents.map((doc, i) =>
    validateJobInput(
      pipeline,
      { name: doc.name, text: doc.text, ...(req.instructions ? { instructions: req.instructions } : {}) },
      ['input', 'documents', i],
      d.limits,
    ) as DocumentAnalyzeInput,
  );
  // A batch's jobs run at priority 0 and the default attempts, unless a token's allowance is lower.
  const common = checkCommon(d, req, ['input']);
  const maxAttempts = req.maxAttempts ?? d.defaultMaxAttempts;
  const aiFields = checkSubmissionAi(req, d.models, ['input'], []);
  const execution = checkExecutionOptions(req, ['input']);
  await d.tenantBudgets?.assertCanSubmit(tenantId);
  const print = fingerprint({ documents: req.documents.map((doc) => ({ name: doc.name, text: doc.text })), instructions: req.instructions ?? null, metadata: common.metadata, ...aiRequestFields(aiFields), ...execution });
  const hash = print.hash;
  req.deadline?.commit();
  let batchId = newId();
  let replay = false;
  let fresh = true;
  if (common.idempotencyKey) {
    const legacy = requestHash({ documents: req.documents, instructions: req.instructions ?? null });
    const r = await reserveKey(d.stores.claims, { tenantId, what: 'batch', key: common.idempotencyKey }, batchId, print, legacy);
    batchId = r.id;
    fresh = r.fresh;
    // A replay waits for a first request still under way, then completes what it left undone.
    replay = !r.fresh && (await awaitCreated(() => d.stores.batches.findForTenant(tenantId, batchId))) !== null;
  }
  // Job ids derive from the batch id, so a replay after a crash recreates the same jobs.
  const trace = submissionTrace();
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
      requestId: req.requestId ?? null,
      trace,
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

/** The live record of a new job: due at once. */
const newLiveRecord = (job: JobDoc): LiveJobDoc => ({
  _id: job._id,
  priority: job.priority,
  runAt: job.createdAt,
  lease: null,
  leaseGeneration: 0,
  cancelRequestedAt: null,
  createdAt: job.createdAt,
});

/**
 * Stores the live records, the jobs and their QUEUED events (number 1). Live records
 * first: a crash after them leaves records the lost-work sweep sees (and drops once they
 * prove to have no job), never a job that nothing would run.
 */
async function store(d: JobsDomain, jobs: JobDoc[]): Promise<void> {
  await d.stores.live.insertMany(jobs.map(newLiveRecord));
  await d.stores.jobs.insertMany(jobs);
  for (const job of jobs) jobsSubmitted.inc({ kind: job.kind });
  for (const job of jobs) await appendQueued(d, job);
}

/**
 * `store` in rounds of STORE_BATCH: each round's writes stay small whatever the batch's
 * size, and a request that dies part way leaves whole rounds that a replay with the key
 * completes (storeMissing) rather than duplicates.
 */
async function storeInBatches(d: JobsDomain, jobs: JobDoc[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += STORE_BATCH) await store(d, jobs.slice(i, i + STORE_BATCH));
}

/** `store` for what of these jobs is not stored yet (a replay), one by one; returns the jobs it stored or repaired. */
async function storeMissing(d: JobsDomain, jobs: JobDoc[]): Promise<JobDoc[]> {
  const repaired: JobDoc[] = [];
  for (const job of jobs) {
    const stored = await d.stores.jobs.findById(job._id);
    if (stored) {
      if (stored.status !== 'QUEUED') continue;
      // Never started: its live record and its QUEUED event may be what a crash left out.
      if ((await d.stores.events.lastSequence(job._id)) === 0) await appendQueued(d, stored);
      if (await d.stores.live.insertIfAbsent(newLiveRecord(stored))) repaired.push(stored);
      continue;
    }
    try {
      await store(d, [job]);
      repaired.push(job);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  return repaired;
}

async function appendQueued(d: JobsDomain, job: JobDoc): Promise<void> {
  // A job inserted just now has no events yet: its QUEUED event is number 1.
  await d.stores.events.append(
    {
      jobId: job._id,
      tenantId: job.tenantId,
      batchId: job.batchId,
      type: 'QUEUED',
      step: null,
      progress: job.progress,
      message: 'Queued',
      jobStatus: 'QUEUED',
      ...traceIdField(job),
    },
    0,
  );
}

/** Queues each job in its tenant's backlog; one lost here is woken by the lost-work sweep. */
async function wake(d: JobsDomain, jobs: JobDoc[]): Promise<void> {
  for (const job of jobs) await d.queue.submit(job._id, job.tenantId, job.priority);
}
