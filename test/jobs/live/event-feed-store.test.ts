import { randomBytes } from 'node:crypto';
import { connectMongo, type DbConnection } from '../../../src/db/client.js';
import type { JobEventDoc, JobEventTypeValue } from '../../../src/db/jobs/docs.js';
import { feedEntryEvents, JOB_EVENT_FEED_COLLECTION, type JobEventFeedDoc, JobEventFeedRepository } from '../../../src/db/jobs/event-feed.repository.js';
import { eventId, JobEventsRepository, type NewJobEvent } from '../../../src/db/jobs/events.repository.js';
import { EventFeed } from '../../../src/jobs/live/event-feed.js';
import { jobEventStream } from '../../../src/jobs/live/job-event-stream.js';
import { createLogger } from '../../../src/log/logger.js';
import { createTestDb, type TestDb } from '../../support/db.js';
import { within } from '../../support/eventually.js';

// The live feed (job_event_feed) and the store's reads by event id, against the real test
// server. Two writer connections stand for two worker processes; each EventFeed has its own
// connection, like an API process. Waits are bounded, never sleeps.

const WAIT_MS = 10_000;
let testDb: TestDb;
const conns: DbConnection[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  testDb = await createTestDb('eventstore');
  await new JobEventsRepository(testDb.db).ensureIndexes();
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

afterAll(async () => {
  for (const c of conns) await c.close();
  await testDb?.close();
});

const uid = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;
const seqs = (events: JobEventDoc[]): number[] => events.map((e) => e.sequence);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function connection(): Promise<DbConnection> {
  const conn = await connectMongo(testDb.uri, testDb.name);
  conns.push(conn);
  return conn;
}

async function openFeed(): Promise<EventFeed> {
  const conn = await connection();
  const feed = new EventFeed({ db: conn.db, logger: createLogger('silent'), pollMs: 30, subscriberBuffer: 100_000 });
  cleanups.push(() => feed.stop());
  await feed.start();
  return feed;
}

function newEvent(jobId: string, tenantId: string, type: JobEventTypeValue = 'STEP_PROGRESS'): NewJobEvent {
  const terminal = type === 'SUCCEEDED' || type === 'FAILED' || type === 'CANCELLED';
  return {
    jobId,
    tenantId,
    batchId: null,
    type,
    step: null,
    progress: { completed: 0, total: 1, percent: 0, message: null },
    message: null,
    jobStatus: terminal ? (type as JobEventDoc['jobStatus']) : 'RUNNING',
  };
}

async function take<T>(iter: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await within(iter.next(), WAIT_MS, `value ${out.length + 1} of ${n}`);
    if (r.done) throw new Error(`completed after ${out.length} of ${n}`);
    out.push(r.value);
  }
  return out;
}

async function drain<T>(iter: AsyncIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const r = await within(iter.next(), WAIT_MS, 'completion');
    if (r.done) return out;
    out.push(r.value);
  }
}

describe('job event feed', () => {
  it('creates job_event_feed as a capped collection bounded by count and size', async () => {
    const [info] = await testDb.db.listCollections({ name: JOB_EVENT_FEED_COLLECTION }).toArray();
    expect(info).toBeDefined();
    expect((info as { options?: Record<string, unknown> }).options).toMatchObject({ capped: true, max: 10_000 });
  });

  it('stays bounded: after a trim it holds at most maxDocs, and positions carry on without a gap', async () => {
    const conn = await connection();
    const name = uid('feedbound');
    const db = conn.client.db(name);
    cleanups.push(async () => void (await db.dropDatabase().catch(() => {})));
    const feed = new JobEventFeedRepository(db, { maxDocs: 20, maxBytes: 1 << 20 });
    await feed.ensureCollection();
    const events = new JobEventsRepository(db, { feed });
    const jobId = uid('job');
    for (let i = 0; i < 60; i++) await events.append(newEvent(jobId, 't'), i);
    await feed.trim();
    const count = await feed.collection.countDocuments();
    expect(count).toBeLessThanOrEqual(20);
    expect(await feed.oldestPosition()).toBe(60 - count + 1);
    expect(await feed.newestPosition()).toBe(60);
    await events.append(newEvent(jobId, 't'), 60);
    expect((await feed.at(61))?.event).toMatchObject({ _id: eventId(jobId, 61) });
  });

  it('delivers every event from two writer connections exactly once, each job in sequence order, at gapless positions', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const sub = feed.subscribe({ tenantId: tenant });
    const writers = [new JobEventsRepository((await connection()).db), new JobEventsRepository((await connection()).db)];
    const jobs = Array.from({ length: 6 }, () => uid('job'));
    const N = 15;
    const reading = take(sub, jobs.length * N);
    // Each job is written by one writer; both writers run at once, three jobs each.
    await Promise.all(
      jobs.map(async (jobId, j) => {
        for (let i = 0; i < N; i++) await writers[j % 2]!.append(newEvent(jobId, tenant), i);
      }),
    );
    const got = await reading;
    expect(new Set(got.map((e) => e._id)).size).toBe(got.length);
    for (const jobId of jobs) expect(seqs(got.filter((e) => e.jobId === jobId))).toEqual(range(1, N));

    const copies = await testDb.db.collection<JobEventFeedDoc>(JOB_EVENT_FEED_COLLECTION).find({}).toArray();
    // One position per write, which may carry several events: every event is copied once.
    const mine = copies.flatMap(feedEntryEvents).filter((e) => e.tenantId === tenant);
    expect(mine).toHaveLength(jobs.length * N);
    expect(new Set(mine.map((e) => e._id)).size).toBe(jobs.length * N);
    const positions = copies.map((c) => Number(c._id)).sort((a, b) => a - b);
    expect(positions).toEqual(range(positions[0]!, positions[0]! + positions.length - 1));
  });

  it('stores the events of one append at consecutive sequences and in one feed position, and a poller hands each on once, in order', async () => {
    const feed = await openFeed();
    const tenant = uid('tenant');
    const sub = feed.subscribe({ tenantId: tenant });
    const writer = new JobEventsRepository((await connection()).db);
    const jobId = uid('job');
    await writer.append(newEvent(jobId, tenant), 0);
    const before = await writer.feed.newestPosition();
    const stored = await writer.appendMany([newEvent(jobId, tenant), newEvent(jobId, tenant), newEvent(jobId, tenant, 'SUCCEEDED')], 1);
    expect(stored.map((e) => e.sequence)).toEqual([2, 3, 4]);
    expect(await writer.feed.newestPosition()).toBe(before + 1);
    expect(feedEntryEvents((await writer.feed.at(before + 1))!).map((e) => e._id)).toEqual([2, 3, 4].map((n) => eventId(jobId, n)));
    const got = await take(sub, 4);
    expect(seqs(got)).toEqual(range(1, 4));
  });

  it('appends a run after a sequence another writer took meanwhile, without a gap', async () => {
    const writer = new JobEventsRepository((await connection()).db);
    const other = new JobEventsRepository((await connection()).db);
    const jobId = uid('job');
    await writer.append(newEvent(jobId, 't'), 0);
    await other.append(newEvent(jobId, 't'), 1);
    // The writer still believes 1 is the last: 2 is taken, so its run goes at 3 and 4.
    const stored = await writer.appendMany([newEvent(jobId, 't'), newEvent(jobId, 't')], 1);
    expect(stored.map((e) => e.sequence)).toEqual([3, 4]);
    expect(await writer.lastSequence(jobId)).toBe(4);
  });

  it('does not leave a subscriber waiting when a terminal event was stored without its feed copy', async () => {
    const feed = await openFeed();
    const conn = await connection();
    // A writer whose feed copies go through a closed connection: the events are stored,
    // the feed never hears of them (as when a writer fails between the two inserts).
    const closed = await connectMongo(testDb.uri, testDb.name);
    const broken = new JobEventFeedRepository(closed.db);
    await closed.close();
    const failures: string[] = [];
    const writer = new JobEventsRepository(conn.db, { feed: broken, onFeedError: (_err, e) => failures.push(e._id) });
    const tenant = uid('tenant');
    const jobId = uid('job');
    await writer.append(newEvent(jobId, tenant), 0);
    const stream = jobEventStream({ feed, events: feed.events, jobId, idleCheckMs: 100 });
    expect(seqs(await take(stream, 1))).toEqual([1]);
    const done = await writer.append(newEvent(jobId, tenant, 'SUCCEEDED'), 1);
    expect(writer.feedFailures).toBe(2);
    expect(failures).toEqual([eventId(jobId, 1), done._id]);
    expect(seqs(await drain(stream))).toEqual([2]);
    expect(feed.subscriberCount).toBe(0);
  });
});

describe('job event store reads by id', () => {
  it('lists a job after any sequence, exactly and in order, up to a limit', async () => {
    const conn = await connection();
    const events = new JobEventsRepository(conn.db);
    const jobId = uid('job');
    for (let i = 0; i < 40; i++) await events.append(newEvent(jobId, 't'), i);
    // A fresh repository, so nothing comes from another's memory.
    const reader = new JobEventsRepository((await connection()).db);
    expect(seqs(await reader.listForJob(jobId))).toEqual(range(1, 40));
    expect(seqs(await reader.listForJob(jobId, 17))).toEqual(range(18, 40));
    expect(seqs(await reader.listForJob(jobId, 5, 7))).toEqual(range(6, 12));
    expect(await reader.listForJob(jobId, 40)).toEqual([]);
    expect(await reader.listForJob(uid('job'))).toEqual([]);
    expect(await reader.lastSequence(jobId)).toBe(40);
  });

  it('replays exactly 1..n across a reconnect with afterSequence', async () => {
    const feed = await openFeed();
    const writer = new JobEventsRepository((await connection()).db);
    const tenant = uid('tenant');
    const jobId = uid('job');
    for (let i = 0; i < 8; i++) await writer.append(newEvent(jobId, tenant), i);
    const first = jobEventStream({ feed, events: feed.events, jobId });
    const before = await take(first, 5);
    await first.return!();
    // Written while the client was away.
    for (let i = 8; i < 11; i++) await writer.append(newEvent(jobId, tenant), i);
    const second = jobEventStream({ feed, events: feed.events, jobId, afterSequence: before.at(-1)!.sequence });
    const rest = take(second, 6);
    await writer.append(newEvent(jobId, tenant, 'CANCELLED'), 11);
    const after = await rest;
    expect(seqs([...before, ...after])).toEqual(range(1, 11));
    expect(seqs(await drain(second))).toEqual([12]);
  });

  it('shares one lookup among many subscribers replaying the same job', async () => {
    const conn = await connection();
    const events = new JobEventsRepository(conn.db);
    const jobId = uid('job');
    for (let i = 0; i < 5; i++) await events.append(newEvent(jobId, 't'), i);
    const reader = new JobEventsRepository((await connection()).db);
    let lookups = 0;
    const find = reader.collection.findOne.bind(reader.collection);
    reader.collection.findOne = ((...args: Parameters<typeof find>) => {
      lookups++;
      return find(...args);
    }) as typeof find;
    const mark = reader.mark();
    const lists = await Promise.all(Array.from({ length: 200 }, () => reader.listForJob(jobId, 0, 1000, mark)));
    for (const list of lists) expect(seqs(list)).toEqual(range(1, 5));
    // Rounds of 2, 4: six ids (five events and the miss), each looked up once for all 200.
    expect(lookups).toBe(6);
  });
});
