/**
 * The offline provider (what `npm start` runs without OPENAI_API_KEY) implements the Batch
 * API too, with its short default intervals: a BATCH job goes through its batches end to end,
 * waits AWAITING_BATCH on the way, and keeps its mode; its events say what it waited for; its
 * stand-in files are deleted once answered.
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';

let app: TestApp;
beforeAll(async () => void (app = await startTestApp()));
afterAll(async () => app?.stop());

test('a BATCH job on the offline provider runs end to end through its stand-in batches', async () => {
  const { submitJob } = await gqlData(app.url, app.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id executionMode batchDeadline } }`, {
    input: { kind: 'document.analyze', input: { name: 'memo', text: 'Revenue grew 12% while costs fell. The team shipped two products.' }, executionMode: 'BATCH' },
  });
  expect(submitJob.executionMode).toBe('BATCH');
  // AI_BATCH_DEADLINE: 24 h after the submission.
  expect(new Date(submitJob.batchDeadline).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  const seen = new Set<string>();
  const job = await pollUntil(
    async () => (await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { status result usage { calls costUsd savedUsd } events { type message } } }`, { id: submitJob.id })).job,
    (j) => (seen.add(j.status), ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status)),
    60_000,
    100,
  );
  expect(job.status).toBe('SUCCEEDED');
  expect(seen.has('AWAITING_BATCH')).toBe(true);
  expect(job.result.offline).toBeDefined();
  expect(job.usage).toEqual({ calls: 2, costUsd: 0, savedUsd: 0 });
  const messages = job.events.map((e: { message: string | null }) => e.message ?? '');
  expect(messages.some((m: string) => /waiting for the provider's batch/i.test(m))).toBe(true);
  expect(messages.some((m: string) => /Resumed: the provider's batch answered/.test(m))).toBe(true);
  // Its stand-in batches' files are deleted once answered, like the provider's.
  await pollUntil(() => app.services.jobs.stores.providerBatches.open(), (open) => open.length === 0, 30_000, 100);
  expect(await app.db.db.collection('offline_batch_objects').countDocuments({ type: 'file' })).toBe(0);
}, 90_000);
