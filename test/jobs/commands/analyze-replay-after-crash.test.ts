/**
 * analyzeDocuments writes its jobs in bounded rounds, and a retry with the same key finishes
 * what a request that died left: the API process is killed (SIGKILL) after some rounds of a
 * 200-document batch were stored and before the batch was; the same request sent again to a
 * fresh process answers with the same batch, and every job exists once, with one QUEUED
 * event and a live record (so it will run). No worker runs: the stored state is what counts.
 */
import { createTestDb, type TestDb } from '../../support/db.js';
import { pollUntil } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { newKey, stopAll } from '../live/subscriptions-harness.js';

const DOCUMENTS = 200;
const ANALYZE = 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total jobs(first: 1) { totalCount } } }';

let db: TestDb | undefined;
const processes: ServiceProcess[] = [];

afterAll(async () => {
  await stopAll([], processes);
  await db?.close();
}, 60_000);

function send(url: string, key: string, input: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: ANALYZE, variables: { input } }),
    signal: AbortSignal.timeout(180_000),
  });
}

test('a request killed between rounds is finished by a retry with the same key: every job once, with its QUEUED event and live record', async () => {
  db = await createTestDb('analyze_crash');
  const key = await newKey(db, 'crash');
  const input = {
    documents: Array.from({ length: DOCUMENTS }, (_, i) => ({ name: `doc-${i}`, text: `Document number ${i}.` })),
    idempotencyKey: 'crash-once',
  };
  const first = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'api' });
  processes.push(first);
  const jobs = db.db.collection('jobs');
  const dying = send(first.url, key, input).catch(() => undefined);
  // Killed once some rounds are stored and the batch is not (rounds of 50 jobs).
  const storedWhenKilled = await pollUntil(() => jobs.countDocuments(), (n) => n >= 50, 120_000, 20);
  await first.stop('SIGKILL');
  await dying;
  expect(await db.db.collection('batches').countDocuments()).toBe(0);
  expect(storedWhenKilled).toBeLessThan(DOCUMENTS);

  const second = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'api' });
  processes.push(second);
  const res = await send(second.url, key, input);
  const { data } = (await res.json()) as { data: { analyzeDocuments: { id: string; total: number; jobs: { totalCount: number } } } };
  expect(data.analyzeDocuments.total).toBe(DOCUMENTS);
  const batchId = data.analyzeDocuments.id;
  expect(await jobs.countDocuments()).toBe(DOCUMENTS);
  expect(await jobs.countDocuments({ batchId })).toBe(DOCUMENTS);
  const queued = await db.db.collection('job_events').aggregate([{ $match: { batchId, type: 'QUEUED' } }, { $group: { _id: '$jobId', n: { $sum: 1 } } }]).toArray();
  expect(queued).toHaveLength(DOCUMENTS);
  expect(queued.every((q) => q.n === 1)).toBe(true);
  expect(await db.db.collection('live_jobs').countDocuments()).toBe(DOCUMENTS);
  // And again: the same batch, nothing more.
  const again = (await (await send(second.url, key, input)).json()) as { data: { analyzeDocuments: { id: string } } };
  expect(again.data.analyzeDocuments.id).toBe(batchId);
  expect(await jobs.countDocuments()).toBe(DOCUMENTS);
}, 300_000);
