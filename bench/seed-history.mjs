/**
 * Seeds the history the "after history" rows run against: finished one-step `chain` jobs,
 * 5 events each, and one delivered webhook per job with its attempt, all of one tenant and
 * older than anything the benchmark submits. Written through the project's own
 * repositories (their collections, their document shapes) in batches of insertMany.
 * All knowledge of stored shapes used for seeding lives in this one file.
 */
import { JobEventsRepository } from '../dist/db/jobs/events.repository.js';
import { JobsRepository } from '../dist/db/jobs/jobs.repository.js';
import { WebhookAttemptsRepository } from '../dist/db/webhooks/attempts.repository.js';
import { WebhookDeliveriesRepository } from '../dist/db/webhooks/deliveries.repository.js';

const BATCH = 1000;
const EVENTS_PER_JOB = ['QUEUED', 'STARTED', 'STEP_STARTED', 'STEP_SUCCEEDED', 'SUCCEEDED'];
const usage = { calls: 1, promptTokens: 12, completionTokens: 9, totalTokens: 21, costUsd: 0 };

function jobDoc(tenantId, id, createdAt) {
  const startedAt = new Date(createdAt.getTime() + 150);
  const finishedAt = new Date(createdAt.getTime() + 400);
  const step = {
    index: 0,
    name: 'answer',
    status: 'SUCCEEDED',
    message: null,
    progress: { completed: 1, total: 1, percent: 100, message: null },
    attempts: 1,
    startedAt,
    finishedAt,
    durationMs: 250,
    output: JSON.stringify('Hello, seeded history, in one sentence.'),
    error: null,
    usage,
  };
  return {
    _id: id,
    tenantId,
    kind: 'chain',
    status: 'SUCCEEDED',
    input: JSON.stringify({ steps: [{ name: 'answer', prompt: 'Say hello to {{variables.who}}.' }], variables: { who: id } }),
    metadata: null,
    result: JSON.stringify({ answer: 'Hello, seeded history, in one sentence.' }),
    error: null,
    steps: [step],
    progress: { completed: 1, total: 1, percent: 100, message: 'Succeeded' },
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    batchId: null,
    idempotencyKey: null,
    requestHash: id.padEnd(64, '0'),
    usage,
    createdAt,
    startedAt,
    finishedAt,
    updatedAt: finishedAt,
  };
}

function eventDocs(job) {
  const { steps, progress: done } = job;
  const snapshot = ({ output: _output, ...rest }) => rest;
  return EVENTS_PER_JOB.map((type, i) => ({
    _id: `${job._id}:${i + 1}`,
    jobId: job._id,
    tenantId: job.tenantId,
    batchId: null,
    sequence: i + 1,
    type,
    at: new Date(job.createdAt.getTime() + i * 100),
    step: type.startsWith('STEP_') ? snapshot(steps[0]) : null,
    progress: type === 'SUCCEEDED' || type === 'STEP_SUCCEEDED' ? done : { completed: 0, total: 1, percent: 0, message: null },
    message: null,
    jobStatus: type === 'QUEUED' ? 'QUEUED' : type === 'SUCCEEDED' ? 'SUCCEEDED' : 'RUNNING',
  }));
}

function deliveryDocs(job, endpointId) {
  const id = `seed_${job._id}`;
  const at = job.finishedAt;
  const delivery = {
    _id: id,
    tenantId: job.tenantId,
    endpointId,
    messageId: `msg_${job._id}`,
    eventType: 'job.succeeded',
    eventKey: `job:${job._id}:job.succeeded:${at.getTime()}`,
    jobId: job._id,
    batchId: null,
    payload: JSON.stringify({ type: 'job.succeeded', data: { id: job._id, status: 'SUCCEEDED' } }),
    status: 'SUCCEEDED',
    attemptCount: 1,
    scheduleStart: 0,
    nextAttemptAt: null,
    manualNext: false,
    failureReason: null,
    createdAt: at,
    updatedAt: at,
    deliveredAt: at,
  };
  const attempt = {
    _id: `${id}:1`,
    deliveryId: id,
    tenantId: job.tenantId,
    number: 1,
    at,
    trigger: 'scheduled',
    owner: 'seed',
    finishedAt: at,
    ok: true,
    durationMs: 12,
    statusCode: 200,
    error: null,
    responseBody: 'ok',
    retryAfter: null,
  };
  return { delivery, attempt };
}

/**
 * Inserts `jobs` finished jobs (and 5 × jobs events, `jobs` deliveries and attempts) for
 * `tenantId`, created over the `spanDays` before now. Returns counts and seconds.
 */
export async function seedHistory(db, tenantId, { jobs = 20_000, spanDays = 10, endpointId = 'seed_endpoint', log = () => {} } = {}) {
  const jobsRepo = new JobsRepository(db);
  const events = new JobEventsRepository(db).collection;
  const deliveries = new WebhookDeliveriesRepository(db).collection;
  const attempts = new WebhookAttemptsRepository(db).collection;
  const t0 = Date.now();
  const start = t0 - spanDays * 86_400_000;
  const step = (spanDays * 86_400_000 - 60_000) / jobs;
  const counts = { jobs: 0, events: 0, deliveries: 0, attempts: 0 };
  for (let i = 0; i < jobs; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(jobs, i + BATCH); j++) {
      batch.push(jobDoc(tenantId, `seed${String(j).padStart(8, '0')}`, new Date(start + j * step)));
    }
    const hooks = batch.map((job) => deliveryDocs(job, endpointId));
    // Side by side: the server can convert one batch while it writes another.
    await Promise.all([
      jobsRepo.insertMany(batch),
      events.insertMany(batch.flatMap(eventDocs), { ordered: false }),
      deliveries.insertMany(hooks.map((h) => h.delivery), { ordered: false }),
      attempts.insertMany(hooks.map((h) => h.attempt), { ordered: false }),
    ]);
    counts.jobs += batch.length;
    counts.events += batch.length * EVENTS_PER_JOB.length;
    counts.deliveries += batch.length;
    counts.attempts += batch.length;
    if ((i / BATCH) % 5 === 4) log(`seeded ${counts.jobs} of ${jobs} jobs (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  return { ...counts, seconds: (Date.now() - t0) / 1000 };
}
