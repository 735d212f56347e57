import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { connectMongo, supportsChangeStreams, type DbConnection } from '../../../src/db/client.js';
import type { JobEventDoc, JobEventTypeValue } from '../../../src/db/jobs/docs.js';
import { eventId, JobEventsRepository, type NewJobEvent } from '../../../src/db/jobs/events.repository.js';
import { EventFeed, SubscriberOverflowError, type EventSubscription } from '../../../src/jobs/live/event-feed.js';
import { orderWithinJobs } from '../../../src/jobs/live/event-sources/polling.js';
import { JobEventGapError, jobEventStream } from '../../../src/jobs/live/job-event-stream.js';
import { createLogger, type Logger } from '../../../src/log/logger.js';
import { createTestDb, type TestDb } from '../../support/db.js';
import { within } from '../../support/eventually.js';

// Every test runs against the real test server (FerretDB here: the feed polls). Each
// EventFeed gets its own MongoClient, like separate API processes; a third client writes.
// Tests wait for events with deadlines, never with sleeps.

const POLL_MS = 50;
const WAIT_MS = 10_000;

let testDb: TestDb;
let writerConn: DbConnection;
let writer: JobEventsRepository;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  testDb = await createTestDb('eventfeed');
  await new JobEventsRepository(testDb.db).ensureIndexes();
  writerConn = await connectMongo(testDb.uri, testDb.name);
  writer = new JobEventsRepository(writerConn.db);
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

afterAll(async () => {
  await writerConn?.close();
  await testDb?.close();
});

const uid = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;
const silent = (): Logger => createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** A started feed on its own client ("one API process"), stopped after the test. */
async function openFeed(opts: { logger?: Logger; subscriberBuffer?: number } = {}): Promise<EventFeed> {
  const conn = await connectMongo(testDb.uri, testDb.name);
  const feed = new EventFeed({
    db: conn.db,
    logger: opts.logger ?? silent(),
    pollMs: POLL_MS,
    subscriberBuffer: opts.subscriberBuffer ?? 1000,
  });
  cleanups.push(async () => {
    await feed.stop();
    await conn.close();
  });
  await feed.start();
  return feed;
}

const TERMINAL_STATUS: Partial<Record<JobEventTypeValue, JobEventDoc['jobStatus']>> = {
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
  QUEUED: 'QUEUED',
};

function newEvent(jobId: string, tenantId: string, type: JobEventTypeValue = 'STEP_PROGRESS', batchId: string | null = null): NewJobEvent {
  return {
    jobId,
    tenantId,
    batchId,
    type,
    step: null,
    progress: { completed: 0, total: 1, percent: 0, message: null },
    message: null,
    jobStatus: TERMINAL_STATUS[type] ?? 'RUNNING',
  };
}

/**
 * Inserts an event with a chosen sequence and stamp, bypassing append (out of order, skewed
 * clocks); with `feed: false` its live-feed copy is not written (a writer that failed in between).
 */
async function insertRaw(
  jobId: string,
  tenantId: string,
  sequence: number,
  opts: { at?: Date; type?: JobEventTypeValue; feed?: boolean } = {},
): Promise<void> {
  const doc: JobEventDoc = { ...newEvent(jobId, tenantId, opts.type), _id: eventId(jobId, sequence), sequence, at: opts.at ?? new Date() };
  await writer.collection.insertOne(doc);
  if (opts.feed ?? true) await writer.feed.publish(doc);
}

async function appendMany(jobId: string, tenantId: string, n: number, last: JobEventTypeValue = 'STEP_PROGRESS'): Promise<void> {
  for (let i = 1; i <= n; i++) await writer.append(newEvent(jobId, tenantId, i === n ? last : 'STEP_PROGRESS'));
}

/** The iterator's next result, or a rejection naming the deadline. */
const nextWithin = <T>(iter: AsyncIterator<T>, ms = WAIT_MS): Promise<IteratorResult<T>> => within(iter.next(), ms, 'result');

/** Exactly n values, each within the deadline. */
async function take<T>(iter: AsyncIterator<T>, n: number, ms = WAIT_MS): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await nextWithin(iter, ms);
    if (r.done) throw new Error(`iterator completed after ${out.length} of ${n} values`);
    out.push(r.value);
  }
  return out;
}

/** Every value until the iterator completes, each within the deadline. */
async function drain<T>(iter: AsyncIterator<T>, ms = WAIT_MS): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const r = await nextWithin(iter, ms);
    if (r.done) return out;
    out.push(r.value);
  }
}

const seqs = (events: JobEventDoc[]): number[] => events.map((e) => e.sequence);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function expectEachJobInOrder(events: JobEventDoc[], jobIds: string[], n: number): void {
  expect(new Set(events.map((e) => e._id)).size).toBe(events.length);
  for (const jobId of jobIds) expect(seqs(events.filter((e) => e.jobId === jobId))).toEqual(range(1, n));
}

describe('EventFeed', () => {
  it('delivers every event from a third writer to two feeds, in order per job, without duplicates', async () => {
    const lines: string[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const [a, b] = await Promise.all([openFeed({ logger: createLogger('debug', capture) }), openFeed()]);
    const expected = (await supportsChangeStreams(testDb.db)) ? 'change-stream' : 'polling';
    expect([a.source, b.source]).toEqual([expected, expected]);

    const tenant = uid('tenant');
    const otherTenant = uid('tenant');
    const batchId = uid('batch');
    const jobs = [uid('job'), uid('job'), uid('job')];
    const N = 12;
    const byTenant = [a.subscribe({ tenantId: tenant }), b.subscribe({ tenantId: tenant })];
    const byJob = b.subscribe({ jobId: jobs[0] });
    const byBatch = a.subscribe({ tenantId: tenant, batchId });
    const other = a.subscribe({ tenantId: otherTenant });
    expect(a.subscriberCount).toBe(3);

    const reading = byTenant.map((s) => take(s, jobs.length * N));
    await Promise.all(
      jobs.map(async (jobId, j) => {
        for (let i = 1; i <= N; i++) await writer.append(newEvent(jobId, tenant, 'STEP_PROGRESS', j === 1 ? batchId : null));
      }),
    );
    for (const got of await Promise.all(reading)) expectEachJobInOrder(got, jobs, N);

    const jobEvents = await take(byJob, N);
    expect(jobEvents.every((e) => e.jobId === jobs[0])).toBe(true);
    expect(seqs(jobEvents)).toEqual(range(1, N));
    const batchEvents = await take(byBatch, N);
    expect(batchEvents.every((e) => e.jobId === jobs[1])).toBe(true);

    // The other tenant's subscriber saw none of that: its first event is its own.
    const own = await writer.append(newEvent(uid('job'), otherTenant));
    expect((await nextWithin(other)).value).toMatchObject({ _id: own._id });

    // Latency is measurable from the debug log: write time and dispatch time per event.
    const dispatched = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'job event dispatched');
    expect(dispatched.length).toBeGreaterThanOrEqual(jobs.length * N);
    expect(dispatched[0]).toEqual(expect.objectContaining({ at: expect.any(String), dispatchedAt: expect.any(String), latencyMs: expect.any(Number) }));
  });

  it('delivers an event stamped in the past by a slow clock: the feed goes by write order, not by stamps', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const sub = feed.subscribe({ tenantId: tenant });
    const [fast, slow] = [uid('job'), uid('job')];
    await writer.append(newEvent(fast, tenant));
    expect((await nextWithin(sub)).value).toMatchObject({ jobId: fast });
    // Written after, but stamped 2 s earlier than the event already delivered.
    await insertRaw(slow, tenant, 1, { at: new Date(Date.now() - 2_000) });
    await writer.append(newEvent(fast, tenant));
    const got = await take(sub, 2);
    expect(got.map((e) => e._id).sort()).toEqual([eventId(fast, 2), eventId(slow, 1)].sort());
  });

  it('ends a slow subscriber whose buffer overflows with RATE_LIMITED while another keeps receiving', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    const fast = feed.subscribe({ tenantId: tenant });
    const slow = feed.subscribe({ tenantId: tenant }, { buffer: 5 });
    const reading = take(fast, 20);
    await appendMany(jobId, tenant, 20);
    expect(seqs(await reading)).toEqual(range(1, 20));

    const err = await slow.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SubscriberOverflowError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/fell behind/) });
    expect(await slow.next()).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(1);

    await writer.append(newEvent(jobId, tenant));
    expect((await nextWithin(fast)).value).toMatchObject({ sequence: 21 });
  });

  it('stop() completes open iterators, after what they have buffered', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    const idle = feed.subscribe({ jobId: uid('job') });
    const pendingIdle = nextWithin(idle);
    const reader = feed.subscribe({ tenantId: tenant });
    const unread = feed.subscribe({ tenantId: tenant });
    await appendMany(jobId, tenant, 3);
    await take(reader, 3); // one dispatch reached both: `unread` now holds the 3 events
    expect(unread.buffered).toBe(3);

    await feed.stop();
    expect(await pendingIdle).toEqual({ done: true, value: undefined });
    expect(seqs(await drain(unread))).toEqual([1, 2, 3]);
    expect(await nextWithin(reader)).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(0);
    // After stop, a new subscription is already complete.
    expect(await nextWithin(feed.subscribe({ tenantId: tenant }))).toEqual({ done: true, value: undefined });
  });

  it('close() unregisters a subscriber and completes its pending read', async () => {
    const feed = await openFeed();
    const sub: EventSubscription = feed.subscribe({ jobId: uid('job') });
    const pending = nextWithin(sub);
    expect(feed.subscriberCount).toBe(1);
    sub.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(0);
  });
});

describe('jobEventStream', () => {
  it('replays after afterSequence, then goes live, and completes after the terminal event', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    await appendMany(jobId, tenant, 5);
    const stream = jobEventStream({ feed, events: feed.events, jobId, afterSequence: 2 });
    const first = await nextWithin(stream);
    const writing = appendMany(jobId, tenant, 5, 'SUCCEEDED'); // 6 … 10
    const rest = await drain(stream);
    await writing;
    expect(seqs([first.value as JobEventDoc, ...rest])).toEqual(range(3, 10));
    expect(rest.at(-1)!.type).toBe('SUCCEEDED');
    expect(feed.subscriberCount).toBe(0);
  });

  it('yields exactly 1..n when events are written while it replays', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    await appendMany(jobId, tenant, 30);
    const stream = jobEventStream({ feed, events: feed.events, jobId, pageSize: 7 });
    const writing = appendMany(jobId, tenant, 30, 'CANCELLED'); // 31 … 60, racing the replay
    const got = await drain(stream);
    await writing;
    expect(seqs(got)).toEqual(range(1, 60));
  });

  it('fills a live event that the feed skipped from the store', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    await appendMany(jobId, tenant, 2);
    const stream = jobEventStream({ feed, events: feed.events, jobId });
    expect(seqs(await take(stream, 2))).toEqual([1, 2]);
    // Stored without its feed copy, so the feed never hands it on.
    await insertRaw(jobId, tenant, 3, { feed: false });
    await writer.append(newEvent(jobId, tenant)); // 4, delivered live: 3 comes from the store
    expect(seqs(await take(stream, 2))).toEqual([3, 4]);
    await writer.append(newEvent(jobId, tenant, 'SUCCEEDED'));
    expect(seqs(await drain(stream))).toEqual([5]);
  });

  it('waits for a gap to fill when a later event becomes visible first', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    let sawGap!: () => void;
    const gapRead = new Promise<void>((resolve) => (sawGap = resolve));
    const events = Object.create(feed.events) as JobEventsRepository;
    events.listForJob = (id, after = 0, limit) => {
      if (after === 1 && limit === 2) sawGap();
      return feed.events.listForJob(id, after, limit);
    };
    await appendMany(jobId, tenant, 1);
    const stream = jobEventStream({ feed, events, jobId });
    expect(seqs(await take(stream, 1))).toEqual([1]);
    const reading = take(stream, 2);
    await insertRaw(jobId, tenant, 3); // 3 is visible before 2
    await within(gapRead, WAIT_MS, 'read of the gap'); // the stream got 3 live and looks for 2 in the store
    await insertRaw(jobId, tenant, 2);
    expect(seqs(await reading)).toEqual([2, 3]);
    await writer.append(newEvent(jobId, tenant, 'FAILED'));
    expect(seqs(await drain(stream))).toEqual([4]);
  });

  it('fails with JobEventGapError when a gap never fills', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    await appendMany(jobId, tenant, 1);
    const stream = jobEventStream({ feed, events: feed.events, jobId, gapWaitMs: 300 });
    await take(stream, 1);
    const failing = nextWithin(stream);
    await insertRaw(jobId, tenant, 3);
    await expect(failing).rejects.toBeInstanceOf(JobEventGapError);
  });

  it('replays a finished job and completes', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    await appendMany(jobId, tenant, 4, 'FAILED');
    expect(seqs(await drain(jobEventStream({ feed, events: feed.events, jobId })))).toEqual([1, 2, 3, 4]);
    expect(seqs(await drain(jobEventStream({ feed, events: feed.events, jobId, afterSequence: 2 })))).toEqual([3, 4]);
    expect(await drain(jobEventStream({ feed, events: feed.events, jobId, afterSequence: 4 }))).toEqual([]);
    expect(await drain(jobEventStream({ feed, events: feed.events, jobId, afterSequence: 9 }))).toEqual([]);
    expect(feed.subscriberCount).toBe(0);
  });

  it('does not stop at a terminal event that later events follow (a retried job)', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const jobId = uid('job');
    await appendMany(jobId, tenant, 3, 'FAILED');
    await writer.append(newEvent(jobId, tenant, 'QUEUED'));
    const stream = jobEventStream({ feed, events: feed.events, jobId });
    expect(seqs(await take(stream, 4))).toEqual([1, 2, 3, 4]);
    await writer.append(newEvent(jobId, tenant, 'SUCCEEDED'));
    expect(seqs(await drain(stream))).toEqual([5]);
  });

  it('return() ends an idle stream at once and unsubscribes', async () => {
    const feed = await openFeed();
    const jobId = uid('job');
    await appendMany(jobId, uid('tenant'), 1);
    const stream = jobEventStream({ feed, events: feed.events, jobId });
    await take(stream, 1);
    const pending = nextWithin(stream);
    expect(feed.subscriberCount).toBe(1);
    await within(stream.return!(), 2_000, 'return');
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(0);
  });

  it('completes when the feed stops', async () => {
    const feed = await openFeed();
    const jobId = uid('job');
    await appendMany(jobId, uid('tenant'), 2);
    const stream = jobEventStream({ feed, events: feed.events, jobId });
    await take(stream, 2);
    const pending = nextWithin(stream);
    await feed.stop();
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});

describe('orderWithinJobs', () => {
  it("puts each job's events in sequence order on the places they hold", () => {
    const e = (jobId: string, sequence: number) => ({ jobId, sequence }) as JobEventDoc;
    const page = [e('a', 2), e('b', 1), e('a', 1), e('b', 3), e('b', 2)];
    expect(orderWithinJobs(page).map((x) => `${x.jobId}${x.sequence}`)).toEqual(['a1', 'b1', 'a2', 'b2', 'b3']);
  });
});
