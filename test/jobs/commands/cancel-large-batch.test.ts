/**
 * cancelBatch on a 500-job batch, with real processes: the answer comes within the request's
 * deadline with the batch CANCELLED and says how many jobs are still being cancelled; the
 * rest are cancelled in the background; and when the API process dies half way, the workers
 * finish the cancellation: no job of the batch runs.
 */
import { createTestDb, type TestDb } from '../../support/db.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { newKey, stopAll } from '../live/subscriptions-harness.js';

const DOCUMENTS = 500;
const TIMEOUT_MS = 10_000;
const BATCH = 'query($id: ID!) { batch(id: $id) { status total queued running succeeded failed cancelled cancelling } }';
const CANCEL = 'mutation($id: ID!) { cancelBatch(id: $id) { status total queued running succeeded failed cancelled cancelling } }';

let db: TestDb | undefined;
const processes: ServiceProcess[] = [];
let key: string;

beforeAll(async () => {
  db = await createTestDb('cancel_large');
  key = await newKey(db, 'large');
}, 60_000);

afterAll(async () => {
  await stopAll([], processes);
  await db?.close();
}, 60_000);

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const p = await startServiceProcess({ MONGODB_URI: db!.uri, REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), ...env });
  processes.push(p);
  return p;
}

async function bigBatch(url: string, marker: string): Promise<string> {
  const documents = Array.from({ length: DOCUMENTS }, (_, i) => ({ name: `${marker}-${i}`, text: `Document ${i} of ${marker}.` }));
  // Writing 500 jobs takes a while on a loaded machine: longer than the client's usual 30 s wait.
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total } }', variables: { input: { documents, idempotencyKey: marker } } }),
    signal: AbortSignal.timeout(180_000),
  });
  const { data } = (await res.json()) as { data: { analyzeDocuments: { id: string; total: number } } };
  expect(data.analyzeDocuments.total).toBe(DOCUMENTS);
  return data.analyzeDocuments.id;
}

test('the answer comes within the deadline, CANCELLED, counting what is still being cancelled; the rest goes on in the background, and after the API process is killed the workers finish it without running any job', async () => {
  const api = await start({ ROLE: 'api' });
  const batchId = await bigBatch(api.url, 'large');
  const asked = Date.now();
  const { cancelBatch } = await gqlData(api.url, key, CANCEL, { id: batchId });
  expect(Date.now() - asked).toBeLessThan(TIMEOUT_MS);
  expect(cancelBatch.status).toBe('CANCELLED');
  // Every job is either cancelled already or counted as being cancelled; none runs (no worker yet).
  expect(cancelBatch.cancelled + cancelBatch.cancelling).toBe(DOCUMENTS);
  expect(cancelBatch.cancelling).toBe(cancelBatch.queued + cancelBatch.running);
  expect(cancelBatch.cancelling).toBeGreaterThan(0);
  // The answer is out; the API process goes on cancelling in the background.
  const later = await pollUntil(() => gqlData(api.url, key, BATCH, { id: batchId }).then((d) => d.batch), (b) => b.cancelled > cancelBatch.cancelled, 120_000, 1_000);
  expect(later.cancelled + later.cancelling).toBe(DOCUMENTS);

  // It dies half way: a worker and a fresh API process see the rest through.
  await api.stop('SIGKILL');
  await start({ ROLE: 'worker', TENANT_MAX_RUNNING: '8', WORKER_CONCURRENCY: '8' });
  const api2 = await start({ ROLE: 'api' });
  const done = await pollUntil(() => gqlData(api2.url, key, BATCH, { id: batchId }).then((d) => d.batch), (b) => b.cancelling === 0, 400_000, 2_000);
  expect(done).toMatchObject({ status: 'CANCELLED', cancelled: DOCUMENTS, succeeded: 0, failed: 0, queued: 0, running: 0, cancelling: 0 });
  expect(await db!.db.collection('job_events').countDocuments({ batchId, type: 'STARTED' })).toBe(0);
}, 900_000);
