/**
 * Parking and timers on the real test server (FerretDB): a parked job's record holds no
 * lease and no runAt, so the lost-work sweep leaves it alone; of several wakers racing, one
 * resumes it; a waker that died holding it is recovered by parking it again (nothing was
 * changed) or running it (the change was saved); timers fire once due, a timer set twice
 * fires once, a failing handler keeps its timer, and a lost hint delays a timer no longer
 * than the rescan interval.
 */
import { ZERO_USAGE, type LiveJobDoc } from '../../../src/db/jobs/docs.js';
import type { TimerDoc } from '../../../src/db/jobs/index.js';
import { acquireLease } from '../../../src/jobs/lifecycle/lease.js';
import { parkFor, parkJob, recoverInterruptedWake, wakeParked, type WakeOutcome } from '../../../src/jobs/lifecycle/park.js';
import { createJobStores, type JobStores } from '../../../src/jobs/lifecycle/stores.js';
import { JobTimers } from '../../../src/jobs/lifecycle/timers.js';
import { newJobDoc } from '../../../src/jobs/commands/new-job.js';
import { chainPipeline } from '../../../src/jobs/pipelines/chain.pipeline.js';
import type { Pipeline } from '../../../src/jobs/pipelines/kind.js';
import { createTestDb, type TestDb } from '../../support/db.js';

let testDb: TestDb;
let stores: JobStores;

beforeAll(async () => {
  testDb = await createTestDb('parking');
  stores = await createJobStores(testDb.db);
});
afterAll(() => testDb?.close());

/** A job held by `owner` and then parked AWAITING_REVIEW, as a worker leaves it. */
async function parkedJob() {
  const doc = newJobDoc(chainPipeline as Pipeline<unknown>, { tenantId: 't1', kind: 'chain', input: { steps: [{ name: 's', prompt: 'p' }] }, priority: 0, maxAttempts: 3, metadata: null, idempotencyKey: null, batchId: null });
  await stores.jobs.insert({ ...doc, status: 'AWAITING_REVIEW', usage: { ...ZERO_USAGE } });
  const live: LiveJobDoc = { _id: doc._id, priority: 0, runAt: doc.createdAt, lease: null, leaseGeneration: 0, createdAt: doc.createdAt };
  await stores.live.insertMany([live]);
  const held = await acquireLease(stores, live, 'worker', 10_000);
  expect(await parkJob(stores, held!.lease, parkFor('AWAITING_REVIEW'))).toBe(true);
  return doc._id;
}

const wakeDeps = (requeued: string[]) => ({ stores, owner: 'waker', leaseMs: 10_000, requeue: async (job: { _id: string }) => void requeued.push(job._id) });

test('a parked record holds no lease and no runAt: the lost-work sweep does not see it', async () => {
  const id = await parkedJob();
  const live = (await stores.live.findById(id))!;
  expect(live).toMatchObject({ lease: null, runAt: null, parked: { status: 'AWAITING_REVIEW', until: null } });
  const stranded = await stores.live.findStranded(new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
  expect(stranded.map((r) => r._id)).not.toContain(id);
});

test('of five wakers racing, one resumes the job and queues it once', async () => {
  const id = await parkedJob();
  const requeued: string[] = [];
  let resumed = 0;
  const outcomes = await Promise.all(
    Array.from({ length: 5 }, () =>
      wakeParked(wakeDeps(requeued), id, ['AWAITING_REVIEW'], async (job) => {
        resumed += 1;
        await job.save({ status: 'QUEUED' });
        return 'queue' as WakeOutcome;
      }),
    ),
  );
  expect(resumed).toBe(1);
  expect(outcomes.filter((o) => o === 'queue')).toHaveLength(1);
  expect(requeued).toEqual([id]);
  const live = (await stores.live.findById(id))!;
  expect(live).toMatchObject({ lease: null, parked: null });
  expect(live.runAt).not.toBeNull();
  // Not parked any more: a later waker finds nothing to do.
  expect(await wakeParked(wakeDeps(requeued), id, ['AWAITING_REVIEW'], async () => 'queue')).toBe('absent');
});

test('a waker that decides to wait leaves the job parked; one for another reason does nothing', async () => {
  const id = await parkedJob();
  expect(await wakeParked(wakeDeps([]), id, ['SCHEDULED'], async () => 'queue')).toBe('absent');
  expect(await wakeParked(wakeDeps([]), id, ['AWAITING_REVIEW'], async () => 'stay')).toBe('stay');
  expect(await stores.live.findById(id)).toMatchObject({ lease: null, runAt: null, parked: { status: 'AWAITING_REVIEW' } });
});

test('a waker that died holding the job: parked again when nothing changed, run when its change was saved', async () => {
  const unchanged = await parkedJob();
  const dying = async (id: string) => {
    const live = (await stores.live.findById(id))!;
    // A lease that has run out by the time the runner looks (it expires as it is taken).
    return acquireLease(stores, live, 'dead-waker', -1_000);
  };
  await dying(unchanged);
  const first = await recoverInterruptedWake(stores, (await stores.live.findById(unchanged))!, 'runner', 10_000);
  expect(first).toEqual({ action: 'skip' });
  expect(await stores.live.findById(unchanged)).toMatchObject({ lease: null, runAt: null, parked: { status: 'AWAITING_REVIEW' } });

  const changed = await parkedJob();
  await dying(changed);
  await stores.jobs.update(changed, { status: 'QUEUED' });
  const second = await recoverInterruptedWake(stores, (await stores.live.findById(changed))!, 'runner', 10_000);
  expect(second).toMatchObject({ action: 'run' });
  expect(await stores.live.findById(changed)).toMatchObject({ parked: null, lease: { owner: 'runner' } });
});

describe('timers', () => {
  let timers: JobTimers;
  const fired: string[] = [];
  const handlers = {
    review: async (t: TimerDoc) => void fired.push(t._id),
    'run-at': async (t: TimerDoc) => void fired.push(t._id),
    'run-at-batch': async (t: TimerDoc) => void fired.push(t._id),
    schedule: async (t: TimerDoc) => {
      if (t.ref === 'failing') throw new Error('handler failed');
      fired.push(t._id);
    },
  };
  const noErrors = (err: unknown) => {
    throw err;
  };
  beforeAll(async () => {
    timers = new JobTimers(stores.timers, { rescanEveryMs: 60_000 });
  });
  beforeEach(() => void fired.splice(0));

  test('fire once due, once each however often set, and are gone after', async () => {
    const now = Date.now();
    await timers.set('run-at:a', 'run-at', 'a', new Date(now + 1_000));
    await timers.set('run-at:a', 'run-at', 'a', new Date(now + 1_000));
    await timers.set('run-at:b', 'run-at', 'b', new Date(now + 60_000));
    expect(await timers.sweep(handlers, noErrors, new Date(now))).toBe(0);
    expect(await timers.sweep(handlers, noErrors, new Date(now + 1_000))).toBe(1);
    expect(fired).toEqual(['run-at:a']);
    expect(await stores.timers.findById('run-at:a')).toBeNull();
    // The hint now names b's time: nothing more fires before it.
    expect((await stores.timers.hint())!.dueAt.getTime()).toBe(now + 60_000);
    expect(await timers.sweep(handlers, noErrors, new Date(now + 30_000))).toBe(0);
    await timers.clear('run-at:b');
  });

  test('a failing handler keeps its timer, which fires again', async () => {
    const due = new Date(Date.now() - 1);
    await timers.set('schedule:failing:1', 'schedule', 'failing', due);
    const errors: unknown[] = [];
    expect(await timers.sweep(handlers, (err) => errors.push(err))).toBe(0);
    expect(errors).toHaveLength(1);
    expect(await stores.timers.findById('schedule:failing:1')).not.toBeNull();
    await timers.clear('schedule:failing:1');
  });

  test('a timer whose hint was lost fires at the next rescan', async () => {
    const quick = new JobTimers(stores.timers, { rescanEveryMs: 1_000 });
    const now = Date.now();
    await quick.sweep(handlers, noErrors, new Date(now));
    await quick.set('review:lost', 'review', 'j', new Date(now + 100));
    // As if a concurrent sweep overwrote the lowered hint.
    await stores.timers.raiseHint(new Date(now + 3_600_000), (await stores.timers.hint())!.version);
    expect(await quick.sweep(handlers, noErrors, new Date(now + 500))).toBe(0);
    expect(await quick.sweep(handlers, noErrors, new Date(now + 1_000))).toBe(1);
    expect(fired).toEqual(['review:lost']);
  });
});
