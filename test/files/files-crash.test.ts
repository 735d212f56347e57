/**
 * A worker process killed (SIGKILL) after `read`, in the middle of `summarize`: the worker
 * that takes the job over starts after the checkpointed read, so the file's URL is fetched
 * (and the PDF parsed) once in all, and the job analyses exactly the bytes read the first
 * time. Needs `npm run build` (npm test does it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/app.js';
import { makePdf } from '../support/file-fixtures.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../support/fake-openai.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { gqlData } from '../support/graphql-client.js';
import { isSummarize, userOf, waitForStatus } from '../jobs/jobs-harness.js';

let fake: FakeOpenAi;
let api: TestApp;
let server: Server;
let fileUrl: string;
let fetches = 0;
const workers: ServiceProcess[] = [];
const PDF = makePdf([{ lines: ['Tidal energy output rose sharply.'] }, { lines: ['Maintenance costs stayed flat.'] }]);

beforeAll(async () => {
  fake = await startFakeOpenAi();
  server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  fileUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tidal-report.pdf`;
  api = await startTestApp({ role: 'api', env: { FILE_ALLOW_PRIVATE_URLS: 'true' } });
});
afterAll(async () => {
  await Promise.allSettled(workers.splice(0).map((w) => w.stop('SIGKILL')));
  await api?.stop();
  await new Promise((ok) => server?.close(ok));
  await fake?.close();
});

function startWorker(apiKey: string, lease: string): Promise<ServiceProcess> {
  return startServiceProcess({
    ROLE: 'worker',
    MONGODB_URI: api.db.uri,
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: apiKey,
    JOB_LEASE: lease,
    FILE_ALLOW_PRIVATE_URLS: 'true',
  }).then((w) => (workers.push(w), w));
}

const from = (key: string) => (r: RecordedRequest) => r.headers.authorization === `Bearer ${key}`;

test('SIGKILL after read: the next worker starts at prepare and never fetches the file again', async () => {
  // Worker A's summarize call never gets an answer: it dies holding it.
  fake.onRequest((req) => (from('worker-a')(req) && isSummarize(req) ? { hang: true } : undefined));
  const a = await startWorker('worker-a', '3s');
  const { submitJob } = await gqlData(api.url, api.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', {
    input: { kind: 'document.analyze', input: { file: { url: fileUrl } } },
  });
  await fake.waitFor(() => fake.requests.some((r) => from('worker-a')(r) && isSummarize(r)), 30_000);
  const [summarizing] = fake.requestsMatching((r) => from('worker-a')(r) && isSummarize(r));
  expect(userOf(summarizing!)).toContain('Tidal energy output rose sharply.');
  expect(fetches).toBe(1);

  expect((await a.stop('SIGKILL')).signal).toBe('SIGKILL');
  // B's own lease is longer, so that on a loaded machine it does not lose its claim too.
  await startWorker('worker-b', '10s');
  const job = await waitForStatus(api, submitJob.id, ['SUCCEEDED', 'FAILED'], 60_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(fetches).toBe(1);
  expect(job.steps.map((s: any) => `${s.name}:${s.status}:${s.attempts}`)).toEqual([
    'read:SUCCEEDED:1',
    'prepare:SUCCEEDED:1',
    'summarize:SUCCEEDED:2',
    'combine:SUCCEEDED:1',
    'extract:SUCCEEDED:1',
  ]);
  expect(job.result.file).toMatchObject({ name: 'tidal-report.pdf', pages: 2, bytes: PDF.length });
  // B summarised the text A read: from the checkpoint, not from a second download.
  expect(fake.requestsMatching((r) => from('worker-b')(r) && isSummarize(r)).map(userOf).join('')).toContain('Maintenance costs stayed flat.');
}, 120_000);
