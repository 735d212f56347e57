/**
 * LiveJobs in this process (API role only, so jobs stay queued): what a subscription
 * holds on the server. Unsubscribing (graphql-ws calls the iterator's return()) must
 * release the feed subscription at once, even while the stream waits for an event.
 */
import { EventFeed } from '../../../src/jobs/live/event-feed.js';
import { LiveJobs } from '../../../src/jobs/live/views.js';
import { createLogger } from '../../../src/log/logger.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { within } from './subscriptions-harness.js';

let app: TestApp | undefined;
let feed: EventFeed | undefined;
let live: LiveJobs;

beforeAll(async () => {
  app = await startTestApp({ role: 'api' });
  feed = new EventFeed({ db: app.db.db, logger: createLogger('silent'), pollMs: 50, subscriberBuffer: 100 });
  await feed.start();
  live = new LiveJobs(app.services.domain.jobs, feed, createLogger('silent'));
});

afterAll(async () => {
  await feed?.stop();
  await app?.stop();
});

const pending = <T>(p: Promise<T>) => {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
};

test('unsubscribing from batchProgress while it waits releases the feed subscription at once', async () => {
  const batch = await app!.services.domain.jobs.analyzeDocuments(app!.tenantId, { documents: [{ name: 'a', text: 'Some text.' }] });
  const before = feed!.subscriberCount;
  const it = (await live.batchProgress(app!.tenantId, batch.doc._id))[Symbol.asyncIterator]();
  expect(feed!.subscriberCount).toBe(before + 1);
  const first = await within(it.next(), 10_000, 'first batch view');
  expect(first.done).toBe(false);
  const waiting = it.next(); // nothing changes: no worker runs the job
  const settled = pending(waiting);
  await within(it.return!(), 2_000, 'return() of a waiting batchProgress');
  expect(feed!.subscriberCount).toBe(before);
  expect(await within(waiting, 2_000, 'the waiting next()')).toEqual({ done: true, value: undefined });
  expect(settled()).toBe(true);
});

test('unsubscribing from jobEvents and tenantJobEvents while they wait releases the feed at once', async () => {
  const before = feed!.subscriberCount;
  // The tenant's stream first, and the job's event taken from it: the job's QUEUED may reach the
  // feed after a later subscription, and then nothing else is coming (no worker runs the job).
  const tenant = live.tenantJobEvents(app!.tenantId)[Symbol.asyncIterator]();
  const job = await app!.services.domain.jobs.submit(app!.tenantId, { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] } });
  const events = (await live.jobEvents(app!.tenantId, job._id, null))[Symbol.asyncIterator]();
  expect(feed!.subscriberCount).toBe(before + 2);
  // Events of the tenant's earlier jobs that the feed had not read yet come first.
  let seen = await within(tenant.next(), 10_000, "the tenant's QUEUED");
  while (seen.value?.jobId !== job._id) seen = await within(tenant.next(), 10_000, "the tenant's QUEUED");
  expect(seen.value).toMatchObject({ jobId: job._id, sequence: 1, type: 'QUEUED' });
  expect((await within(events.next(), 10_000, 'QUEUED replayed')).value).toMatchObject({ sequence: 1, type: 'QUEUED' });
  const waitingEvents = events.next();
  const waitingTenant = tenant.next();
  await within(Promise.all([events.return!(), tenant.return!()]), 2_000, 'return() of waiting streams');
  expect(feed!.subscriberCount).toBe(before);
  await expect(within(waitingEvents, 2_000, 'waiting jobEvents next()')).resolves.toEqual({ done: true, value: undefined });
  await expect(within(waitingTenant, 2_000, 'waiting tenantJobEvents next()')).resolves.toEqual({ done: true, value: undefined });
});

test("another tenant's job or batch is NOT_FOUND before any feed subscription is kept", async () => {
  const job = await app!.services.domain.jobs.submit(app!.tenantId, { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'x' }] } });
  const batch = await app!.services.domain.jobs.analyzeDocuments(app!.tenantId, { documents: [{ name: 'a', text: 'Text.' }] });
  const before = feed!.subscriberCount;
  await expect(live.jobEvents('some-other-tenant', job._id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await expect(live.batchProgress('some-other-tenant', batch.doc._id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(feed!.subscriberCount).toBe(before);
});
