/**
 * Jobs that read files, end to end: uploads and URLs analysed by document.analyze,
 * analyzeDocuments and chain through the checkpointed first step `read`, with the fake
 * provider's requests proving the extracted text (and nothing of the markup) reached the
 * model; a scanned PDF failing with UNSUPPORTED_FILE; URLs fetched by the worker through
 * the address guard (FILE_ALLOW_PRIVATE_URLS on one service, off on the other); and a
 * finished job that keeps its result when its file is deleted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from '../support/app.js';
import { makeDocx, makeHtml, makePdf } from '../support/file-fixtures.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { gql, gqlData } from '../support/graphql-client.js';
import { getEvents, getJob, startOpenAiApp, userOf, waitForStatus } from '../jobs/jobs-harness.js';
import { uploadFile } from './files-support.js';

let fake: FakeOpenAi;
let app: TestApp;
let strict: TestApp;
let files: Server;
let filesBase: string;
const served: string[] = [];

const PAGE = makeHtml('Harbour report', ['Cargo volumes rose in the harbour this spring.']);

beforeAll(async () => {
  fake = await startFakeOpenAi();
  files = createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/page.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (req.url === '/moved') return void res.writeHead(302, { location: '/page.html' }).end();
    if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/silent') return; // never answers
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((ok) => files.listen(0, '127.0.0.1', ok));
  filesBase = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  app = await startOpenAiApp(fake, { env: { FILE_ALLOW_PRIVATE_URLS: 'true', FILE_FETCH_TIMEOUT_MS: '1500' } });
  strict = await startOpenAiApp(fake);
});
afterAll(async () => {
  await app?.stop();
  await strict?.stop();
  files?.closeAllConnections();
  await new Promise((ok) => files?.close(ok));
  await fake?.close();
});

const SUBMIT = 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }';
const submit = async (a: TestApp, input: unknown, extra: Record<string, unknown> = {}) =>
  (await gqlData(a.url, a.key, SUBMIT, { input: { kind: 'document.analyze', input, ...extra } })).submitJob.id as string;
const sentToModel = (words: string) => fake.requestsMatching((r) => userOf(r).includes(words));
const upload = async (a: TestApp, bytes: Buffer, name: string) => {
  const res = await uploadFile(a.url, a.key, bytes, name);
  expect(res.status).toBe(201);
  return res.body as { id: string; sha256: string };
};

let pdfJob: { jobId: string; fileId: string };

test('a PDF, a .docx, an HTML page and Markdown, uploaded and analysed as one batch: the model is sent their text, and nothing else', async () => {
  const pdf = await upload(app, makePdf([{ lines: ['Revenue grew twelve percent in the north.'] }, { lines: ['Costs fell in the south on page two.'] }]), 'report.pdf');
  const docx = await upload(app, makeDocx(['Board memo: margins widened this quarter.']), 'memo.docx');
  const html = await upload(app, PAGE, 'harbour.html');
  const md = await upload(app, Buffer.from('# Roadmap\n\n- Ship the ferry timetable in June.\n'), 'roadmap.md');
  const { analyzeDocuments } = await gqlData(app.url, app.key, 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total jobs { edges { node { id } } } } }', {
    input: { documents: [pdf, docx, html, md].map((f, i) => ({ name: `doc ${i}`, file: { id: f.id } })) },
  });
  expect(analyzeDocuments.total).toBe(4);
  // Job ids are the batch's id and the document's index: sorted, they are in document order.
  const ids: string[] = analyzeDocuments.jobs.edges.map((e: any) => e.node.id).sort();
  const jobs = await Promise.all(ids.map((id) => waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 60_000)));
  expect(jobs.map((j) => [j.status, j.error])).toEqual(ids.map(() => ['SUCCEEDED', null]));

  for (const words of ['Revenue grew twelve percent in the north.', 'Costs fell in the south on page two.', 'Board memo: margins widened this quarter.', 'Cargo volumes rose in the harbour this spring.', 'Ship the ferry timetable in June.']) {
    expect(sentToModel(words).length).toBeGreaterThan(0);
  }
  for (const hidden of ['window.secret', 'color: red', 'example.com/x']) expect(sentToModel(hidden)).toEqual([]);

  const [pdfDone] = jobs;
  expect(pdfDone.steps.map((s: any) => s.name)).toEqual(['read', 'prepare', 'summarize', 'combine', 'extract']);
  const read = pdfDone.steps[0].output;
  expect(read).toMatchObject({ name: 'report.pdf', contentType: 'application/pdf', pages: 2, sha256: pdf.sha256 });
  expect(read.text).toContain('Revenue grew twelve percent');
  expect(pdfDone.result.file).toEqual({ name: 'report.pdf', contentType: 'application/pdf', pages: 2, characters: read.characters, sha256: pdf.sha256, bytes: read.bytes });
  expect(jobs[1].result.file).toMatchObject({ contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', pages: null, sha256: docx.sha256 });
  expect(jobs[2].result.file.contentType).toBe('text/html');
  expect(jobs[3].result.file.contentType).toBe('text/markdown');
  // The step's progress says it as is; the job's, after its step count ("Step 1 of 5: reading …").
  const events = await getEvents(app, pdfDone.id);
  expect(events.map((e) => e.step?.message)).toContain('Reading report.pdf (2 pages)');
  expect(events.map((e) => e.message)).toContain('Step 1 of 5: reading report.pdf (2 pages)');
  pdfJob = { jobId: pdfDone.id, fileId: pdf.id };
});

test("deleting a file never breaks a finished job's result", async () => {
  const before = await getJob(app, pdfJob.jobId);
  expect((await gqlData(app.url, app.key, 'mutation($id: ID!) { deleteFile(id: $id) { id } }', { id: pdfJob.fileId })).deleteFile.id).toBe(pdfJob.fileId);
  const after = await getJob(app, pdfJob.jobId);
  expect(after.result).toEqual(before.result);
  expect(after.steps[0].output).toEqual(before.steps[0].output);
  // A new job naming it is refused at submit.
  const again = await gql(app.url, app.key, SUBMIT, { input: { kind: 'document.analyze', input: { file: { id: pdfJob.fileId } } } });
  expect(again.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', path: ['input', 'input', 'file', 'id'] });
});

test('a scanned PDF fails in read with UNSUPPORTED_FILE, is not retried, and costs no AI call', async () => {
  const scan = await upload(app, makePdf([{ image: true }, { image: true }, { image: true }]), 'scan.pdf');
  const calls = fake.requests.length;
  const id = await submit(app, { file: { id: scan.id } }, { maxAttempts: 3 });
  const job = await waitForStatus(app, id, ['FAILED', 'SUCCEEDED'], 30_000);
  expect(job.status).toBe('FAILED');
  expect(job.attempt).toBe(1);
  expect(job.error).toMatchObject({ code: 'UNSUPPORTED_FILE', retryable: false, step: 'read' });
  expect(job.error.message).toBe('scan.pdf has no extractable text (3 pages of images: a scanned document needs OCR, which this service does not do)');
  expect(fake.requests.length).toBe(calls);
});

test('a chain reads its named files first and uses them as {{files.NAME}}; the result says what was read', async () => {
  const memo = await upload(app, makeDocx(['The lighthouse budget doubled.']), 'lighthouse.docx');
  const { submitJob } = await gqlData(app.url, app.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id steps { name } } }', {
    input: {
      kind: 'chain',
      input: {
        files: { memo: { id: memo.id }, page: { url: `${filesBase}/page.html` } },
        steps: [{ name: 'compare', prompt: 'Compare the memo <<{{files.memo}}>> with the page <<{{files.page}}>>.' }],
      },
    },
  });
  expect(submitJob.steps.map((s: any) => s.name)).toEqual(['read', 'compare']);
  const job = await waitForStatus(app, submitJob.id, ['SUCCEEDED', 'FAILED'], 30_000);
  expect(job.status).toBe('SUCCEEDED');
  const [request] = fake.requestsMatching((r) => userOf(r).startsWith('Compare the memo <<'));
  expect(userOf(request!)).toContain('The lighthouse budget doubled.');
  expect(userOf(request!)).toContain('Cargo volumes rose in the harbour this spring.');
  expect(Object.keys(job.result.outputs)).toEqual(['compare']);
  expect(job.result.files.memo).toMatchObject({ name: 'lighthouse.docx', sha256: memo.sha256 });
  expect(job.result.files.page).toMatchObject({ name: 'page.html', contentType: 'text/html' });
});

test('a chain is checked at submit: an unknown {{files.NAME}}, a step called read beside files', async () => {
  const errorsOf = async (input: unknown) => (await gql(app.url, app.key, SUBMIT, { input: { kind: 'chain', input } })).errors?.[0]?.extensions;
  const files = { a: { url: `${filesBase}/page.html` } };
  expect(await errorsOf({ files, steps: [{ name: 's', prompt: 'Use {{files.b}}' }] })).toEqual({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'steps', 0, 'prompt'] });
  expect(await errorsOf({ files, steps: [{ name: 'read', prompt: 'Hi' }] })).toEqual({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'steps', 0, 'name'] });
  expect(await errorsOf({ files: { a: { id: 'x', url: 'y' } }, steps: [{ name: 's', prompt: 'Hi' }] })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'files', 'a'] });
});

test('a URL is fetched by the worker (FILE_ALLOW_PRIVATE_URLS=true), redirects followed', async () => {
  const id = await submit(app, { file: { url: `${filesBase}/moved` } });
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(job.result.file).toMatchObject({ name: 'page.html', contentType: 'text/html', bytes: PAGE.length });
});

test('a URL that answers 404 or redirects forever fails, not retried; one that never answers times out', async () => {
  const failed = async (path: string, maxAttempts = 3) => {
    const job = await waitForStatus(app, await submit(app, { file: { url: `${filesBase}${path}` } }, { maxAttempts }), ['FAILED', 'SUCCEEDED'], 30_000);
    return { status: job.status, attempt: job.attempt, ...job.error };
  };
  expect(await failed('/missing')).toMatchObject({ status: 'FAILED', attempt: 1, code: 'INVALID_INPUT', retryable: false, message: `${filesBase}/missing answered 404` });
  expect(await failed('/loop')).toMatchObject({ status: 'FAILED', attempt: 1, code: 'INVALID_INPUT', message: `${filesBase}/loop: more than 5 redirects` });
  expect(await failed('/silent', 1)).toMatchObject({ status: 'FAILED', code: 'TIMEOUT', retryable: true, message: `fetching ${filesBase}/silent took longer than FILE_FETCH_TIMEOUT_MS (1500 ms)` });
});

test('without FILE_ALLOW_PRIVATE_URLS: http and private IP literals are refused at submit, a name resolving to loopback at connect', async () => {
  const port = (files.address() as AddressInfo).port;
  const refused = async (url: string) => (await gql(strict.url, strict.key, SUBMIT, { input: { kind: 'document.analyze', input: { file: { url } } } })).errors?.[0];
  expect((await refused(`${filesBase}/page.html`))?.extensions).toEqual({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'file', 'url'] });
  expect((await refused(`${filesBase}/page.html`))?.message).toContain('scheme http is not allowed; use https');
  expect((await refused(`https://127.0.0.1:${port}/page.html`))?.message).toContain('address 127.0.0.1 is not public');
  expect((await refused(`https://[::1]:${port}/page.html`))?.message).toContain('address ::1 is not public');

  const before = served.length;
  const id = await submit(strict, { file: { url: `https://localhost:${port}/page.html?token=secret` } }, { maxAttempts: 3 });
  const job = await waitForStatus(strict, id, ['FAILED', 'SUCCEEDED'], 30_000);
  expect(job).toMatchObject({ status: 'FAILED', attempt: 1, error: { code: 'INVALID_INPUT', retryable: false, step: 'read' } });
  expect(job.error.message).toBe(`https://localhost:${port}/page.html: blocked: localhost: address is not public; loopback, private and link-local addresses are refused`);
  expect(served.length).toBe(before);
});

test('document.analyze takes text or file, not both and not neither', async () => {
  const errorsOf = async (input: unknown) => (await gql(app.url, app.key, SUBMIT, { input: { kind: 'document.analyze', input } })).errors?.[0]?.extensions;
  expect(await errorsOf({ text: 'x', file: { url: `${filesBase}/page.html` } })).toEqual({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'file'] });
  expect(await errorsOf({ name: 'nothing' })).toEqual({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'text'] });
  expect(await errorsOf({ file: { id: 'not-an-id' } })).toEqual({ code: 'BAD_USER_INPUT', path: ['input', 'input', 'file', 'id'] });
});
