/**
 * Files' bytes on the real test server: stored in GridFS's layout (a GridFS reader, the
 * driver's GridFSBucket, reads them byte for byte), and downloaded, deleted and swept by
 * `_id` only — the commands the driver sends are watched, so "only its own chunks" is what
 * reached the server, not a guess. Files stored by GridFSBucket before stay readable and
 * deletable; an upload cut off midway leaves nothing once the sweep has passed its note.
 */
import { randomBytes } from 'node:crypto';
import { GridFSBucket, MongoClient, ObjectId, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { CHUNK_IDS_BY_N, FILE_CHUNK_BYTES, FilesRepository, storedPrefix } from '../../src/db/files/index.js';
import { createTestDb, type TestDb } from '../support/db.js';

let t: TestDb;
let client: MongoClient;
let db: Db;
let repo: FilesRepository;
const commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  t = await createTestDb('files');
  // A client of the test's own whose every command is recorded.
  client = new MongoClient(t.uri, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  client.on('commandStarted', (e) => commands.push(e));
  db = client.db(t.name);
  repo = new FilesRepository(db);
  await repo.ensureIndexes();
});
afterAll(async () => {
  await client?.close();
  await t?.close();
});

const TENANT = 'content-tenant';
const HOUR = 3_600_000;
const later = (ms = HOUR) => new Date(Date.now() + ms);

/** Bytes written as an upload arrives (64 KiB pieces); the record too unless `record: false`. */
async function store(bytes: Buffer, opts: { record?: boolean; end?: boolean; staleAt?: Date } = {}): Promise<string> {
  const id = new ObjectId().toHexString();
  const upload = await repo.content.openUpload(id, `${id}.bin`, { tenantId: TENANT, staleAt: opts.staleAt ?? later() });
  for (let at = 0; at < bytes.length; at += 65_536) await upload.write(bytes.subarray(at, at + 65_536));
  if (opts.end === false) return id;
  await upload.end();
  if (opts.record !== false) {
    await repo.insert({ _id: id, tenantId: TENANT, name: `${id}.bin`, contentType: 'application/octet-stream', size: bytes.length, sha256: 'x', createdAt: new Date() });
  }
  return id;
}

async function download(id: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of repo.content.openDownload(id)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** The commands sent while `fn` ran, on `collection`. */
async function sentDuring(collection: string, fn: () => Promise<unknown>): Promise<Document[]> {
  commands.length = 0;
  await fn();
  return commands.filter((c) => c.command[c.commandName] === collection).map((c) => ({ name: c.commandName, ...c.command }));
}

const chunkIdsOf = async (id: string) => (await db.collection('file_data.chunks').find({ files_id: new ObjectId(id) }).sort({ n: 1 }).toArray()).map((c) => c._id);
const noteOf = (id: string) => db.collection('file_uploads').findOne({ _id: id as any });

test('storedPrefix finds k stored chunks in about 2·log2(k) lookups', async () => {
  for (const k of [0, 1, 2, 3, 7, 8, 9, 100, 1000]) {
    let asked = 0;
    const found = await storedPrefix(async (n) => (asked++, n < k));
    expect(found).toBe(k);
    expect(asked).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(k + 1)) + 2);
  }
});

test("a file is stored in GridFS's layout, chunk ids <id>:<n>, and any GridFS reader reads it byte for byte", async () => {
  for (const size of [1, FILE_CHUNK_BYTES, 2 * FILE_CHUNK_BYTES, 3 * FILE_CHUNK_BYTES + 12_345]) {
    const bytes = randomBytes(size);
    const id = await store(bytes);
    const chunkCount = Math.ceil(size / FILE_CHUNK_BYTES);
    expect(await chunkIdsOf(id)).toEqual(Array.from({ length: chunkCount }, (_, n) => `${id}:${n}`));
    const file = await db.collection('file_data.files').findOne({ _id: new ObjectId(id) });
    expect(file).toEqual({ _id: new ObjectId(id), length: size, chunkSize: FILE_CHUNK_BYTES, uploadDate: expect.any(Date), filename: `${id}.bin`, metadata: { chunkIds: CHUNK_IDS_BY_N } });
    expect((await download(id)).equals(bytes)).toBe(true);
    const gridfs = new GridFSBucket(db, { bucketName: 'file_data' });
    const parts: Buffer[] = [];
    for await (const part of gridfs.openDownloadStream(new ObjectId(id))) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  }
});

test("a download and a delete reach only the file's own chunks, each by _id, whatever else is stored", async () => {
  const mine = randomBytes(3 * FILE_CHUNK_BYTES + 100);
  const id = await store(mine);
  // Other files' chunks stored after it (and before) change nothing about how it is read.
  const others = [];
  for (let i = 0; i < 4; i++) others.push(await store(randomBytes(2 * FILE_CHUNK_BYTES)));
  let read: Buffer = Buffer.alloc(0);
  const reads = await sentDuring('file_data.chunks', async () => (read = await download(id)));
  expect(read.equals(mine)).toBe(true);
  expect(reads.map((c) => [c.name, c.filter])).toEqual([0, 1, 2, 3].map((n) => ['find', { _id: `${id}:${n}` }]));

  const doc = (await repo.findById(id))!;
  const deletes = await sentDuring('file_data.chunks', () => repo.delete(doc));
  expect(deletes.map((c) => [c.name, c.deletes.map((d: Document) => d.q)])).toEqual([3, 2, 1, 0].map((n) => ['delete', [{ _id: `${id}:${n}` }]]));
  expect(await chunkIdsOf(id)).toEqual([]);
  expect(await db.collection('file_data.files').findOne({ _id: new ObjectId(id) })).toBeNull();
  await expect(download(id)).rejects.toThrow(`file ${id} is not stored`);
  for (const other of others) expect(await chunkIdsOf(other)).toHaveLength(2);
});

test('a file stored by GridFSBucket before this layout (ObjectId chunk ids) is still read and deleted', async () => {
  const id = new ObjectId();
  const bytes = randomBytes(2 * FILE_CHUNK_BYTES + 7);
  const legacy = new GridFSBucket(db, { bucketName: 'file_data', chunkSizeBytes: FILE_CHUNK_BYTES });
  await new Promise<void>((ok, fail) => legacy.openUploadStreamWithId(id, 'old.bin').on('finish', ok).on('error', fail).end(bytes));
  await repo.insert({ _id: id.toHexString(), tenantId: TENANT, name: 'old.bin', contentType: 'application/octet-stream', size: bytes.length, sha256: 'x', createdAt: new Date() });
  expect((await chunkIdsOf(id.toHexString())).every((c) => c instanceof ObjectId)).toBe(true);
  expect((await download(id.toHexString())).equals(bytes)).toBe(true);
  await repo.delete((await repo.findById(id.toHexString()))!);
  expect(await repo.content.chunkCount(id.toHexString())).toBe(0);
  expect(await db.collection('file_data.files').findOne({ _id: id })).toBeNull();
});

test('an aborted upload removes the chunks it wrote and its note', async () => {
  const id = new ObjectId().toHexString();
  const upload = await repo.content.openUpload(id, 'a.bin', { tenantId: TENANT, staleAt: later() });
  await upload.write(randomBytes(2 * FILE_CHUNK_BYTES + 10));
  expect(await noteOf(id)).not.toBeNull();
  await upload.abort();
  expect(await chunkIdsOf(id)).toEqual([]);
  expect(await noteOf(id)).toBeNull();
});

test('uploads cut off midway are swept by their notes, by _id, once stale; finished ones are left alone', async () => {
  const staleAt = later(10 * 60_000);
  // Cut off with chunks 0 and 1 stored (and a part of 2 held in memory, lost with the process).
  const cut = await store(randomBytes(2 * FILE_CHUNK_BYTES + 1000), { end: false, staleAt });
  // Cut off after its last chunk and GridFS record, before its own record.
  const whole = await store(randomBytes(FILE_CHUNK_BYTES + 5), { record: false, staleAt });
  // Finished, but its note outlived it (its removal failed).
  const kept = randomBytes(FILE_CHUNK_BYTES + 9);
  const recorded = await store(kept, { staleAt });
  await db.collection('file_uploads').insertOne({ _id: recorded as any, tenantId: TENANT, startedAt: new Date(), staleAt });
  expect(await chunkIdsOf(cut)).toEqual([`${cut}:0`, `${cut}:1`]);

  // Before its time an upload may still be running: nothing is touched.
  expect(await repo.sweepAbandonedUploads(new Date(), 100)).toBe(0);
  expect(await chunkIdsOf(cut)).toHaveLength(2);

  const chunkCommands = await sentDuring('file_data.chunks', async () => expect(await repo.sweepAbandonedUploads(staleAt, 100)).toBe(2));
  expect(chunkCommands.length).toBeGreaterThan(0);
  for (const c of chunkCommands) expect(Object.keys(c.name === 'find' ? c.filter : c.deletes[0].q)).toEqual(['_id']);
  for (const id of [cut, whole]) {
    expect(await chunkIdsOf(id)).toEqual([]);
    expect(await noteOf(id)).toBeNull();
    expect(await db.collection('file_data.files').findOne({ _id: new ObjectId(id) })).toBeNull();
  }
  expect(await noteOf(recorded)).toBeNull();
  expect((await download(recorded)).equals(kept)).toBe(true);
});
