/**
 * `POST /files` and the GraphQL fields of files, on a real server and database: what an
 * upload answers and stores, the refusals (413 past FILE_MAX_BYTES and 415 for a type that
 * cannot be read, with nothing stored), the newest-first list, deleting, another tenant's
 * file being NOT_FOUND everywhere, browser access tokens, and retention.
 */
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.js';
import { makePdf } from '../support/file-fixtures.js';
import { gql, gqlData, pollUntil } from '../support/graphql-client.js';
import { FILE_FIELDS, retentionSweepAt, uploadFile } from './files-support.js';

const MAX = 300_000;
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { FILE_MAX_BYTES: String(MAX) } });
});
afterAll(() => app?.stop());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const text = (s: string) => Buffer.from(s, 'utf8');
const stored = async () => ({
  files: await app.db.db.collection('files').countDocuments(),
  gridFiles: await app.db.db.collection('file_data.files').countDocuments(),
  chunks: await app.db.db.collection('file_data.chunks').countDocuments(),
  pendingUploads: await app.db.db.collection('file_uploads').countDocuments(),
});
const FILE = `query($id: ID!) { file(id: $id) { ${FILE_FIELDS} } }`;
const FILES = `query($first: Int, $after: String) { files(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }`;
const DELETE = `mutation($id: ID!) { deleteFile(id: $id) { id name } }`;

test('an upload answers 201 with what was stored; its type comes from the bytes, not the name', async () => {
  const pdf = makePdf([{ lines: ['Hello'] }, { lines: ['World'] }]);
  const res = await uploadFile(app.url, app.key, pdf, 'named-like-text.txt');
  expect(res.status).toBe(201);
  expect(res.body).toEqual({
    id: expect.stringMatching(/^[0-9a-f]{24}$/),
    name: 'named-like-text.txt',
    contentType: 'application/pdf',
    size: pdf.length,
    sha256: sha256(pdf),
    createdAt: expect.any(String),
  });
  const { file } = await gqlData(app.url, app.key, FILE, { id: res.body.id });
  expect(file).toEqual(res.body);
  // The bytes are stored as they came.
  const chunks = await app.db.db.collection('file_data.chunks').find({}).toArray();
  expect(chunks.length).toBeGreaterThan(0);
  expect(await app.services.files.repository.content.chunkCount(res.body.id)).toBe(1);
});

test('files: newest first with totalCount, continued after a cursor; deleteFile removes the record, the list entry and the bytes', async () => {
  const key = await app.newTenantKey(`lister-${Date.now()}`);
  const ids: string[] = [];
  for (const name of ['a.txt', 'b.txt', 'c.txt']) ids.push((await uploadFile(app.url, key, text(`file ${name}`), name)).body.id);
  const first = (await gqlData(app.url, key, FILES, { first: 2 })).files;
  expect(first.edges.map((e: any) => e.node.name)).toEqual(['c.txt', 'b.txt']);
  expect(first).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
  const rest = (await gqlData(app.url, key, FILES, { first: 2, after: first.pageInfo.endCursor })).files;
  expect(rest.edges.map((e: any) => e.node.name)).toEqual(['a.txt']);
  expect(rest.pageInfo.hasNextPage).toBe(false);

  expect((await gqlData(app.url, key, DELETE, { id: ids[1] })).deleteFile).toEqual({ id: ids[1], name: 'b.txt' });
  expect((await gqlData(app.url, key, FILE, { id: ids[1] })).file).toBeNull();
  expect(await app.services.files.repository.content.chunkCount(ids[1]!)).toBe(0);
  const after = (await gqlData(app.url, key, FILES, { first: 10 })).files;
  expect(after.edges.map((e: any) => e.node.name)).toEqual(['c.txt', 'a.txt']);
  expect(after.totalCount).toBe(2);
  // A cursor stays valid after the file it names is deleted.
  expect((await gqlData(app.url, key, FILES, { first: 10, after: first.edges[1].cursor })).files.edges.map((e: any) => e.node.name)).toEqual(['a.txt']);
  const again = await gql(app.url, key, DELETE, { id: ids[1] });
  expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const bad = await gql(app.url, key, FILES, { first: 10, after: 'nonsense' });
  expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', path: ['after'] });
});

test('past FILE_MAX_BYTES: 413 with a JSON error, and nothing is stored', async () => {
  const before = await stored();
  const res = await uploadFile(app.url, app.key, Buffer.alloc(MAX + 1, 'a'), 'big.txt');
  expect(res.status).toBe(413);
  expect(res.body.errors[0]).toEqual({ message: expect.stringContaining(`FILE_MAX_BYTES (${MAX} bytes)`), extensions: { code: 'PAYLOAD_TOO_LARGE' } });
  expect(await stored()).toEqual(before);
  // Exactly the limit is accepted.
  expect((await uploadFile(app.url, app.key, Buffer.alloc(MAX, 'a'), 'exactly.txt')).status).toBe(201);
});

test('a type that cannot be read: 415 naming it, and nothing is stored', async () => {
  const before = await stored();
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(100_000, 1)]);
  const res = await uploadFile(app.url, app.key, png, 'photo.pdf');
  expect(res.status).toBe(415);
  expect(res.body.errors[0]).toEqual({ message: expect.stringContaining('image/png'), extensions: { code: 'UNSUPPORTED_FILE' } });
  expect(await stored()).toEqual(before);
});

test('a body that is not one multipart part named file, or no key: refused', async () => {
  const url = app.url.replace(/graphql$/, 'files');
  const json = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${app.key}`, 'content-type': 'application/json' }, body: '{}' });
  expect(json.status).toBe(415);
  expect((await uploadFile(app.url, app.key, text('x'), 'a.txt', 'document')).status).toBe(400);
  expect((await uploadFile(app.url, app.key, text(''), 'empty.txt')).body.errors[0]).toEqual({ message: 'the file is empty', extensions: { code: 'BAD_USER_INPUT' } });
  const anonymous = await uploadFile(app.url, undefined, text('x'), 'a.txt');
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
});

test("another tenant's file is NOT_FOUND everywhere: file, deleteFile, files, and at submit", async () => {
  const otherKey = await app.newTenantKey(`other-${Date.now()}`);
  const theirs = (await uploadFile(app.url, otherKey, text('their secret memo'), 'theirs.txt')).body.id as string;
  expect((await gqlData(app.url, app.key, FILE, { id: theirs })).file).toBeNull();
  expect((await gql(app.url, app.key, DELETE, { id: theirs })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  expect((await gqlData(app.url, app.key, FILES, { first: 100 })).files.edges.map((e: any) => e.node.id)).not.toContain(theirs);

  const submit = await gql(app.url, app.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', {
    input: { kind: 'document.analyze', input: { file: { id: theirs } } },
  });
  expect(submit.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', path: ['input', 'input', 'file', 'id'] });
  const batch = await gql(app.url, app.key, 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }', {
    input: { documents: [{ name: 'theirs', file: { id: theirs } }] },
  });
  expect(batch.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', path: ['input', 'documents', 0, 'file', 'id'] });
  // And it is still theirs, untouched.
  expect((await gqlData(app.url, otherKey, FILE, { id: theirs })).file.name).toBe('theirs.txt');
});

test('a browser token uploads only when minted with uploadFiles; what it uploads joins its scope, nothing else does', async () => {
  const mint = async (input: Record<string, unknown>) =>
    (await gqlData(app.url, app.key, 'mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token uploadFiles } }', { input })).createAccessToken;
  const plain = await mint({ submitKinds: ['document.analyze'] });
  expect(plain.uploadFiles).toBe(false);
  const refused = await uploadFile(app.url, plain.token, text('x'), 'a.txt');
  expect(refused.status).toBe(403);
  expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');

  const uploader = await mint({ submitKinds: ['document.analyze'], uploadFiles: true });
  expect(uploader.uploadFiles).toBe(true);
  const own = (await uploadFile(app.url, uploader.token, text('Minutes: the board approved the plan.'), 'minutes.txt')).body.id as string;
  const keyFile = (await uploadFile(app.url, app.key, text('a file the token never uploaded'), 'key.txt')).body.id as string;
  expect((await gqlData(app.url, uploader.token, FILE, { id: own })).file.name).toBe('minutes.txt');
  expect((await gqlData(app.url, uploader.token, FILE, { id: keyFile })).file).toBeNull();
  expect((await gql(app.url, uploader.token, FILES, { first: 10 })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

  const submit = (id: string) =>
    gql(app.url, uploader.token, 'mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id total } }', { input: { documents: [{ name: 'doc', file: { id } }] } });
  expect((await submit(keyFile)).errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', path: ['input', 'documents', 0, 'file', 'id'] });
  const batch = (await submit(own)).data?.analyzeDocuments;
  expect(batch.total).toBe(1);
  const done = await pollUntil(
    () => gqlData(app.url, uploader.token, 'query($id: ID!) { batch(id: $id) { status succeeded jobs { edges { node { result } } } } }', { id: batch.id }),
    (d) => d.batch.status === 'COMPLETED',
    30_000,
  );
  expect(done.batch.succeeded).toBe(1);
  expect(done.batch.jobs.edges[0].node.result.file).toMatchObject({ name: 'minutes.txt', contentType: 'text/plain' });
});

test('retention removes a file JOB_RETENTION after its upload, bytes and list entry included', async () => {
  const key = await app.newTenantKey(`aging-${Date.now()}`);
  const id = (await uploadFile(app.url, key, text('old news'), 'old.txt')).body.id as string;
  const sweep = (days: number) => retentionSweepAt(app, new Date(Date.now() + days * 86_400_000));
  await sweep(29);
  expect((await gqlData(app.url, key, FILE, { id })).file).not.toBeNull();
  await sweep(31);
  expect((await gqlData(app.url, key, FILE, { id })).file).toBeNull();
  expect((await gqlData(app.url, key, FILES, { first: 10 })).files).toMatchObject({ totalCount: 0, edges: [] });
  expect(await app.services.files.repository.content.chunkCount(id)).toBe(0);
});
