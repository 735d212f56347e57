/**
 * Exclusive ownership of a running job on the real test server (FerretDB, whose updates
 * are read-modify-write without a condition): one claimant of many wins a lease; a holder's
 * heartbeats never undo its own saves; event sequences stay gap-free when writers race.
 */
import { ZERO_USAGE, type LiveJobDoc } from '../../../src/db/jobs/docs.js';
import { acquireLease, keepLeaseAlive, leaseIsLive, renewLease, retireLiveRecord } from '../../../src/jobs/lifecycle/lease.js';
import { parkJob } from '../../../src/jobs/lifecycle/park.js';
import { LeasedJob, LeaseLostError } from '../../../src/jobs/lifecycle/leased-job.js';
import { createJobStores, type JobStores } from '../../../src/jobs/lifecycle/stores.js';
import { newJobDoc } from '../../../src/jobs/commands/new-job.js';
import { chainPipeline } from '../../../src/jobs/pipelines/chain.pipeline.js';
import type { Pipeline } from '../../../src/jobs/pipelines/kind.js';
import { createTestDb, type TestDb } from '../../support/db.js';

let testDb: TestDb;
let stores: JobStores;

beforeAll(async () => {
  testDb = await createTestDb('leases');
  stores = await createJobStores(testDb.db);
});
afterAll(() => testDb?.close());

async function insertJob(steps = 2) {
  const input = { steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}`, prompt: 'p' })) };
  const doc = newJobDoc(chainPipeline as Pipeline<unknown>, {
    tenantId: 't1',
    kind: 'chain',
    input,
    priority: 0,
    maxAttempts: 3,
    metadata: null,
    idempotencyKey: null,
    batchId: null,
  });
  await stores.jobs.insert(doc);
  const live: LiveJobDoc = { _id: doc._id, priority: 0, runAt: doc.createdAt, lease: null, leaseGeneration: 0, createdAt: doc.createdAt };
  await stores.live.insertMany([live]);
  return { doc, live };
}

test('of ten processes racing for one job, exactly one takes the lease', async () => {
  const { live: job } = await insertJob();
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => acquireLease(stores, job, `worker-${i}`, 10_000)));
  const winners = results.filter((r) => r !== undefined);
  expect(winners).toHaveLength(1);
  const stored = (await stores.live.findById(job._id))!;
  expect(stored.leaseGeneration).toBe(1);
  expect(stored.lease?.owner).toBe(winners[0]!.lease.owner);
  expect(leaseIsLive(stored)).toBe(true);
  // While it is live nobody else gets it, and a stale generation cannot renew it.
  expect(await acquireLease(stores, stored, 'late', 10_000)).toBeUndefined();
  expect(await renewLease(stores, { jobId: job._id, generation: 0, owner: 'ghost' }, 10_000)).toBe(false);
  expect(await renewLease(stores, winners[0]!.lease, 10_000)).toBe(true);
});

test("a holder's heartbeats never undo its own saves", async () => {
  const { doc, live } = await insertJob();
  const claimed = (await acquireLease(stores, live, 'holder', 300))!;
  const job = new LeasedJob(stores, doc, claimed.lease);
  let lost = 0;
  // Renewals every 50 ms, run in line with the saves as the runner wires them.
  const stop = keepLeaseAlive(stores, claimed.lease, 300, () => lost++, undefined, (write) => job.exclusive(write));
  try {
    for (let i = 0; i < 150; i++) {
      const step = job.doc.steps[0]!;
      await job.saveStep({ ...step, message: `save ${i}`, usage: { ...ZERO_USAGE, calls: i } });
      // Checked in line too: whatever renewal came before has landed, none can land in between.
      await job.exclusive(async () => {
        const stored = (await stores.jobs.findById(doc._id))!;
        expect(stored.steps[0]!.message).toBe(`save ${i}`);
        expect(stored.steps[0]!.usage.calls).toBe(i);
      });
    }
  } finally {
    stop();
  }
  // The heartbeats did run meanwhile (the lease was extended past its first expiry).
  const stored = (await stores.live.findById(doc._id))!;
  if (lost === 0) expect(stored.lease!.expiresAt.getTime()).toBeGreaterThan(claimed.live.lease!.expiresAt.getTime());
});

test('racing appends give every event its own sequence, 1, 2, 3 … without gaps', async () => {
  const { doc } = await insertJob();
  const base = {
    jobId: doc._id,
    tenantId: 't1',
    batchId: null,
    step: null,
    progress: doc.progress,
    message: null,
    jobStatus: 'RUNNING' as const,
  };
  // Two writers (say the runner and a cancelling API process), one with a stale hint.
  await Promise.all([
    ...Array.from({ length: 6 }, () => stores.events.append({ ...base, type: 'STEP_PROGRESS' })),
    ...Array.from({ length: 6 }, () => stores.events.append({ ...base, type: 'STEP_PROGRESS' }, 0)),
  ]);
  const events = await stores.events.listForJob(doc._id);
  expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  expect(await stores.events.lastSequence(doc._id)).toBe(12);
  expect(await stores.events.lastSequence('no-such-job')).toBe(0);
  const more = await stores.events.append({ ...base, type: 'SUCCEEDED' }, 12);
  expect(more.sequence).toBe(13);
});

test("a cancel request survives lease renewals and a park that write the job's live record meanwhile", async () => {
  const { live } = await insertJob();
  const claimed = (await acquireLease(stores, live, 'holder', 10_000))!;
  // On FerretDB each of these writes reads the record and writes it back whole: a request kept
  // on the record itself could be written back away by one that read it a moment before.
  const renewals = Array.from({ length: 40 }, () => renewLease(stores, claimed.lease, 10_000));
  const [requested] = await Promise.all([stores.cancelRequests.request(live._id, new Date()), ...renewals]);
  await parkJob(stores, claimed.lease, { status: 'AWAITING_REVIEW', since: new Date(), until: null });
  expect(requested).toBe(true);
  expect(await stores.cancelRequests.has(live._id)).toBe(true);
  expect([...(await stores.cancelRequests.among([live._id, 'another-job']))]).toEqual([live._id]);
  // Asked twice, it is one request; retiring the record forgets it.
  expect(await stores.cancelRequests.request(live._id, new Date())).toBe(false);
  await retireLiveRecord(stores, claimed.lease);
  expect(await stores.cancelRequests.has(live._id)).toBe(false);
  expect(await stores.live.findById(live._id)).toBeNull();
});

test('a holder trusts a confirmed lease only until half of it is left, and reads the record again after that', async () => {
  const { doc, live } = await insertJob();
  const claimed = (await acquireLease(stores, live, 'holder', 1_000))!;
  const job = new LeasedJob(stores, doc, claimed.lease);
  // Unconfirmed (as every holder but the runner's): each save reads the record first.
  expect(job.leaseSurelyHeld()).toBe(false);
  job.leaseConfirmed(claimed.live.lease!.expiresAt.getTime(), 1_000);
  expect(job.leaseSurelyHeld()).toBe(true);
  await job.save({ metadata: '"trusted"' });
  job.forgetLeaseConfirmation();
  expect(job.leaseSurelyHeld()).toBe(false);
  // A confirmation with less than half the lease left is not trusted: the lease ran out and
  // another taker took it, so the old holder's save is refused.
  job.leaseConfirmed(Date.now() + 400, 1_000);
  expect(job.leaseSurelyHeld()).toBe(false);
  await stores.live.collection.updateOne({ _id: doc._id }, { $set: { 'lease.expiresAt': new Date(0) } });
  const taken = (await acquireLease(stores, (await stores.live.findById(doc._id))!, 'other', 1_000))!;
  expect(taken.lease.generation).toBe(claimed.lease.generation + 1);
  await expect(job.save({ metadata: '"late"' })).rejects.toThrow(LeaseLostError);
  expect((await stores.jobs.findById(doc._id))!.metadata).toBe('"trusted"');
});
