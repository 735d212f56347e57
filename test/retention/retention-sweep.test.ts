/**
 * The retention sweep on a real database, with an injected clock: everything old is
 * removed, nothing live is (running again, owed a webhook, flagged, or not old enough).
 */
import { randomUUID } from 'node:crypto';
import type { BatchDoc, JobDoc } from '../../src/db/jobs/docs.js';
import { attemptId } from '../../src/db/webhooks/attempts.repository.js';
import { RetentionLedgerRepository } from '../../src/db/jobs/retention-ledger.repository.js';
import { createJobStores, type JobStores } from '../../src/jobs/lifecycle/stores.js';
import { RetentionLedger } from '../../src/retention/retention-ledger.js';
import { RetentionSweep } from '../../src/retention/retention-sweep.js';
import type { Webhooks } from '../../src/webhooks/index.js';
import { createHarness, insertFinishedJob, silentLogger, type Harness } from '../webhooks/webhook-harness.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-30T12:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

let h: Harness;
let stores: JobStores;
let ledgerRepo: RetentionLedgerRepository;
let ledger: RetentionLedger;
const tenantId = `t_${randomUUID()}`;

beforeAll(async () => {
  h = await createHarness();
  stores = await createJobStores(h.testDb.db);
  ledgerRepo = new RetentionLedgerRepository(h.testDb.db);
  await ledgerRepo.ensureIndexes();
  ledger = new RetentionLedger(ledgerRepo);
  await h.webhooks.endpoints.create(tenantId, { url: 'http://127.0.0.1:9/hooks' });
});
afterAll(() => h.close());

function sweeper(jobsMs = 30 * DAY): RetentionSweep {
  const r = h.webhooks.repositories;
  return new RetentionSweep({
    ledger: ledgerRepo,
    jobs: stores.jobs,
    live: stores.live,
    batches: stores.batches,
    events: stores.events,
    endpoints: r.endpoints,
    deliveries: r.deliveries,
    attempts: r.attempts,
    queue: r.queue,
    settings: { eventsMs: 7 * DAY, jobsMs, intervalMs: 60_000, batchSize: 2, pauseMs: 1 },
    logger: silentLogger,
    now: () => NOW,
  });
}

/** A finished job with 3 events and one webhook delivery, delivered (settled) unless `owed`. */
async function finishedJob(finishedAt: Date, opts: { owed?: boolean; overrides?: Partial<JobDoc> } = {}): Promise<JobDoc> {
  const job = await insertFinishedJob(h.testDb, tenantId, { finishedAt, ...opts.overrides });
  for (const type of ['QUEUED', 'STARTED', 'SUCCEEDED'] as const) {
    await stores.events.append({
      jobId: job._id, tenantId, batchId: null, type, step: null, message: null, jobStatus: 'SUCCEEDED',
      progress: { completed: 1, total: 1, percent: 100, message: null },
    });
  }
  await h.webhooks.outbox.jobFinished({ ...job, finishedAt });
  await ledger.jobFinished({ ...job, finishedAt });
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  if (!opts.owed) await settle(h.webhooks, delivery!._id);
  return job;
}

/** What a dispatcher leaves after a successful attempt 1: the attempt row, the record settled, the queue entry gone. */
async function settle(webhooks: Webhooks, deliveryId: string): Promise<void> {
  const r = webhooks.repositories;
  await r.attempts.claim({
    _id: attemptId(deliveryId, 1), deliveryId, tenantId, number: 1, at: NOW, trigger: 'scheduled', owner: 'test',
    finishedAt: NOW, ok: true, durationMs: 3, statusCode: 200, error: null, responseBody: 'ok', retryAfter: null,
  });
  await r.deliveries.settle(deliveryId, 1, { status: 'SUCCEEDED', deliveredAt: NOW, nextAttemptAt: null });
  await r.queue.delete(deliveryId);
}

async function stored(job: JobDoc) {
  const [delivery] = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  return {
    job: (await stores.jobs.findById(job._id)) !== null,
    events: await stores.events.lastSequence(job._id),
    delivery: delivery !== undefined,
    attempts: delivery ? (await h.webhooks.deliveries.attempts(delivery._id)).length : 0,
  };
}

test('removes what aged out and nothing that is live or young', async () => {
  const old = await finishedJob(ago(40));
  const middle = await finishedJob(ago(10));
  const young = await finishedJob(ago(1));
  const owed = await finishedJob(ago(40), { owed: true });
  // Finished, but its after-finish work is still owed: its live record is still there.
  const flagged = await finishedJob(ago(40));
  await stores.live.insertIfAbsent({ _id: flagged._id, priority: 0, runAt: null, lease: null, leaseGeneration: 1, createdAt: ago(41) });
  // Finished 40 days ago, then retried: running again now.
  const retried = await finishedJob(ago(40));
  await stores.jobs.collection.updateOne({ _id: retried._id }, { $set: { status: 'RUNNING', finishedAt: null } });
  const batch: BatchDoc = {
    _id: randomUUID(), tenantId, status: 'COMPLETED', total: 0, jobIds: [], idempotencyKey: null, requestHash: 'x',
    metadata: null, instructions: null, createdAt: ago(41), finishedAt: ago(40), counts: null, reopened: 0,
  };
  await stores.batches.insert(batch);
  await ledger.batchFinished(batch);

  const counts = await sweeper().sweep();

  expect(await stored(old)).toEqual({ job: false, events: 0, delivery: false, attempts: 0 });
  expect(await stores.batches.findById(batch._id)).toBeNull();
  // Past EVENT_RETENTION only: events and attempts go, the job and its delivery stay.
  expect(await stored(middle)).toEqual({ job: true, events: 0, delivery: true, attempts: 0 });
  expect(await stored(young)).toEqual({ job: true, events: 3, delivery: true, attempts: 1 });
  expect(await stored(owed)).toEqual({ job: true, events: 3, delivery: true, attempts: 0 });
  expect(await stored(flagged)).toEqual({ job: true, events: 3, delivery: true, attempts: 1 });
  expect(await stored(retried)).toEqual({ job: true, events: 3, delivery: true, attempts: 1 });
  expect(counts).toMatchObject({ eventsSwept: 3, recordsSwept: 2 });

  // The rows still owed work stay in the ledger; the retried job's old row is gone.
  const rows = await ledgerRepo.collection.find({}).toArray();
  expect(rows.map((r) => r.refId).sort()).toEqual([middle._id, young._id, owed._id, flagged._id].sort());
  expect(rows.find((r) => r.refId === middle._id)?.stage).toBe('all');

  // Once the webhook is delivered and the flag cleared, the next sweep takes them too.
  const [owedDelivery] = await h.webhooks.deliveries.listForJob(tenantId, owed._id);
  await settle(h.webhooks, owedDelivery!._id);
  await stores.live.collection.deleteOne({ _id: flagged._id });
  await sweeper().sweep();
  expect(await stored(owed)).toEqual({ job: false, events: 0, delivery: false, attempts: 0 });
  expect(await stored(flagged)).toEqual({ job: false, events: 0, delivery: false, attempts: 0 });
  expect(await stored(middle)).toEqual({ job: true, events: 0, delivery: true, attempts: 0 });
});

test('JOB_RETENTION 0 keeps finished jobs forever but still sweeps their events', async () => {
  const old = await finishedJob(ago(400));
  await sweeper(0).sweep();
  expect(await stored(old)).toEqual({ job: true, events: 0, delivery: true, attempts: 0 });
  expect(await ledgerRepo.collection.countDocuments({ refId: old._id })).toBe(0);
});

test('a repeated notice of one finished occurrence is one ledger row', async () => {
  const job = await insertFinishedJob(h.testDb, tenantId, { finishedAt: ago(2) });
  await ledger.jobFinished(job);
  await ledger.jobFinished(job);
  expect(await ledgerRepo.collection.countDocuments({ refId: job._id })).toBe(1);
});

test("a reviewed job's job.review_requested deliveries go with it", async () => {
  const job = await finishedJob(ago(40), {
    overrides: {
      reviewRound: 1,
      steps: [
        {
          index: 0, name: 'draft', status: 'SUCCEEDED', message: null, progress: null, attempts: 1, startedAt: ago(41), finishedAt: ago(40), durationMs: 1, output: '"x"', error: null,
          usage: { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 },
          review: { key: 'review', round: 1, instructions: null, output: '"x"', requestedAt: ago(41), expiresAt: null, onTimeout: null, answer: null },
        },
      ],
    },
  });
  // Asked in round 0 (rejected, then retried) and again in round 1.
  for (const round of [0, 1]) {
    await h.webhooks.outbox.reviewRequested(job, { step: 'draft', key: 'review', round, instructions: null, output: '"x"', requestedAt: ago(41), expiresAt: null, onTimeout: null, callbackUrl: 'http://127.0.0.1:9/reviews/t' });
  }
  const deliveries = await h.webhooks.deliveries.listForJob(tenantId, job._id);
  expect(deliveries).toHaveLength(3);
  for (const d of deliveries) if (d.status === 'PENDING') await settle(h.webhooks, d._id);
  await sweeper().sweep();
  expect(await h.webhooks.deliveries.listForJob(tenantId, job._id)).toEqual([]);
  expect(await stores.jobs.findById(job._id)).toBeNull();
});
