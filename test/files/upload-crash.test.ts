/**
 * An API process killed (SIGKILL) in the middle of an upload: chunks are stored and no
 * record names them. The upload's note (`file_uploads`, written before its first chunk) is
 * what the retention sweep finds them by; before the note is stale (the upload might still
 * be running) they stay, after it nothing of the upload is left. Needs `npm run build`.
 */
import { request, type ClientRequest } from 'node:http';
import { ObjectId } from 'mongodb';
import { FILE_CHUNK_BYTES, type PendingUploadDoc } from '../../src/db/files/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { gqlData } from '../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { retentionSweepAt, uploadFile } from './files-support.js';

let app: TestApp;
let child: ServiceProcess | undefined;
let upload: ClientRequest | undefined;

beforeAll(async () => {
  app = await startTestApp({ role: 'api' });
});
afterAll(async () => {
  upload?.destroy();
  await child?.stop('SIGKILL');
  await app?.stop();
});

/** Opens `POST /files` and sends the start of a text file's part; the request stays open. */
function startUpload(filesUrl: string, key: string, bytes: Buffer): ClientRequest {
  const boundary = 'cut-off-upload';
  const req = request(filesUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => {}); // the server dies under it
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\nContent-Type: text/plain\r\n\r\n`);
  req.write(bytes);
  return req;
}

test('a restart mid-upload leaves nothing behind once the sweep has passed the upload’s note', async () => {
  const db = app.db.db;
  const notes = db.collection<PendingUploadDoc>('file_uploads');
  const chunks = db.collection('file_data.chunks');
  // An unrelated file stored before, which the sweep must leave alone.
  const kept = await uploadFile(app.url, app.key, Buffer.from('a file that stays'), 'kept.txt');
  expect(kept.status).toBe(201);

  child = await startServiceProcess({ ROLE: 'api', MONGODB_URI: app.db.uri });
  upload = startUpload(child.url.replace(/\/graphql$/, '/files'), app.key, Buffer.alloc(2 * FILE_CHUNK_BYTES + 4096, 'w'));
  const note = await eventually(async () => (await notes.find({}).toArray())[0], 'the upload to be noted', 30_000);
  const id = note._id;
  await eventually(async () => (await chunks.findOne({ _id: `${id}:1` as any })) !== null, 'two chunks to be stored', 30_000);
  expect((await child.stop('SIGKILL')).signal).toBe('SIGKILL');
  child = undefined;
  upload.destroy();

  const ofUpload = async () => ({
    chunks: await app.services.files.repository.content.chunkCount(id),
    gridFile: await db.collection('file_data.files').countDocuments({ _id: new ObjectId(id) }),
    note: await notes.countDocuments({ _id: id }),
    record: await db.collection('files').countDocuments({ _id: id as any }),
  });
  expect(await ofUpload()).toEqual({ chunks: 2, gridFile: 0, note: 1, record: 0 });
  expect(note).toMatchObject({ tenantId: app.tenantId, staleAt: expect.any(Date) });

  // Not stale yet: an upload this young may still be running in a live process.
  expect((await retentionSweepAt(app, new Date())).uploadsSwept).toBe(0);
  expect(await ofUpload()).toEqual({ chunks: 2, gridFile: 0, note: 1, record: 0 });

  expect((await retentionSweepAt(app, note.staleAt)).uploadsSwept).toBe(1);
  expect(await ofUpload()).toEqual({ chunks: 0, gridFile: 0, note: 0, record: 0 });
  const { file } = await gqlData(app.url, app.key, 'query($id: ID!) { file(id: $id) { name size } }', { id: kept.body.id });
  expect(file).toEqual({ name: 'kept.txt', size: 17 });
}, 120_000);
