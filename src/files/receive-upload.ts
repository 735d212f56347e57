/**
 * `POST /files`: one multipart/form-data request whose part named `file` is streamed into
 * GridFS's layout as it arrives (busboy parses; the next bytes are read once the chunk before
 * is stored, so the database sets the pace), hashed and counted on the way, never held whole
 * in memory. Its type is told from its first HEAD_BYTES before anything is stored: an
 * unsupported type is refused (415) and nothing is written. Past FILE_MAX_BYTES the part is
 * cut off, what was written is removed, and the answer is 413. The rest of the body is read
 * and dropped, so the client gets its answer. The upload is noted before its first chunk
 * (FileContentStore.openUpload), so a crash midway leaves nothing the sweep cannot find.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { ObjectId } from 'mongodb';
import type { ChunkUpload, FileDoc, FilesRepository } from '../db/files/index.js';
import { detectType, HEAD_BYTES } from './detect-type.js';

export interface UploadOptions {
  repository: FilesRepository;
  /** FILE_MAX_BYTES. */
  maxBytes: number;
  /** FILE_UPLOAD_TIMEOUT_MS: the whole request. */
  timeoutMs: number;
  /**
   * Called before the first byte is stored (the retention ledger notes the file there), so that
   * bytes a crash leaves without a record are removed when the file ages out.
   */
  onStart?(file: Pick<FileDoc, '_id' | 'tenantId' | 'createdAt'>): Promise<void>;
}

export type UploadOutcome =
  | { ok: true; file: FileDoc }
  | { ok: false; status: 400 | 408 | 413 | 415; code: 'BAD_USER_INPUT' | 'TIMEOUT' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_FILE'; message: string };

const refuse = (status: 400 | 408 | 413 | 415, code: Extract<UploadOutcome, { ok: false }>['code'], message: string): UploadOutcome => ({ ok: false, status, code, message });

const BAD_BODY = 'the body must be multipart/form-data with one part named "file"';

/**
 * How long after its time limit an upload still noted counts as cut off by a crash: a live one
 * was answered 408 by then and removed its chunks itself. The margin covers that clean-up and
 * clocks of processes that differ a little.
 */
export const ABANDONED_AFTER_MS = 60_000;

/** Reads the request to its end and stores its `file` part; throws only for a failure of the database. */
export function receiveUpload(req: IncomingMessage, tenantId: string, opts: UploadOptions): Promise<UploadOutcome> {
  let parser: busboy.Busboy;
  try {
    // busboy calls a part that reaches fileSize truncated: one byte more is what tells "over the limit".
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: opts.maxBytes + 1, fields: 10, fieldSize: 1024, parts: 20 } });
  } catch {
    req.resume();
    return Promise.resolve(refuse(415, 'BAD_USER_INPUT', BAD_BODY));
  }
  const staleAt = new Date(Date.now() + opts.timeoutMs + ABANDONED_AFTER_MS);
  return new Promise<UploadOutcome>((resolve, reject) => {
    let storing: Promise<UploadOutcome> | null = null;
    let done = false;
    const settle = (outcome: Promise<UploadOutcome> | UploadOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      Promise.resolve(outcome).then(resolve, reject);
    };
    const timer = setTimeout(() => {
      const timedOut = new Error('upload timed out');
      req.unpipe(parser);
      parser.destroy(timedOut);
      req.destroy();
      // The part being stored fails with this error and removes what it wrote.
      settle((storing ?? Promise.resolve(null)).catch(() => null).then(() => refuse(408, 'TIMEOUT', `the upload took longer than FILE_UPLOAD_TIMEOUT_MS (${opts.timeoutMs} ms); nothing was stored`)));
    }, opts.timeoutMs);
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || storing) return void stream.resume();
      const part = storePart(stream, info.filename, tenantId, staleAt, opts);
      storing = part;
      // The database failed: answer now (the route closes the connection) instead of waiting
      // for a parser whose part nobody reads any more.
      part.catch(() => {
        req.unpipe(parser);
        req.resume();
        settle(part);
      });
    });
    parser.on('close', () => settle(storing ?? refuse(400, 'BAD_USER_INPUT', BAD_BODY)));
    parser.on('error', (err: Error) => {
      req.unpipe(parser);
      req.resume();
      settle((storing ?? Promise.resolve(null)).catch(() => null).then(() => refuse(400, 'BAD_USER_INPUT', `${BAD_BODY} (${err.message})`)));
    });
    req.pipe(parser);
  });
}

/** A file name as stored and shown: no path, no control characters, at most 255 characters. */
export function cleanFileName(given: string | undefined): string {
  const base = (given ?? '').split(/[\\/]/).at(-1) ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean === '' ? 'upload' : clean;
}

async function storePart(stream: Readable & { truncated?: boolean }, filename: string | undefined, tenantId: string, staleAt: Date, opts: UploadOptions): Promise<UploadOutcome> {
  const id = new ObjectId().toHexString();
  const createdAt = new Date();
  const name = cleanFileName(filename);
  const hash = createHash('sha256');
  let size = 0;
  let head: Buffer[] = [];
  let headSize = 0;
  // Set inside `open` (a closure): typed wide, or TypeScript keeps it narrowed to null.
  let upload = null as ChunkUpload | null;
  let contentType: string | null = null;
  let refused: UploadOutcome | null = null;

  /** Decides the type from the head; opens the upload when it can be read, else says why not. */
  const open = async (complete: boolean): Promise<void> => {
    const detection = await detectType(Buffer.concat(head, headSize), complete);
    if (!detection.ok) {
      refused = size === 0 ? refuse(400, 'BAD_USER_INPUT', 'the file is empty') : refuse(415, 'UNSUPPORTED_FILE', `${name}: ${detection.reason}`);
      return;
    }
    contentType = detection.contentType;
    await opts.onStart?.({ _id: id, tenantId, createdAt });
    upload = await opts.repository.content.openUpload(id, name, { tenantId, staleAt });
    await upload.write(Buffer.concat(head, headSize));
    head = [];
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // After a refusal the rest is read and dropped: the request must end before it is answered.
      if (refused) continue;
      hash.update(chunk);
      size += chunk.length;
      if (upload) {
        await upload.write(chunk);
        continue;
      }
      head.push(chunk);
      headSize += chunk.length;
      if (headSize >= HEAD_BYTES) await open(false);
    }
    if (refused) return refused;
    if (stream.truncated) {
      await upload?.abort();
      return refuse(413, 'PAYLOAD_TOO_LARGE', `the file is larger than FILE_MAX_BYTES (${opts.maxBytes} bytes); nothing was stored`);
    }
    if (!upload) await open(true);
    if (refused || !upload || !contentType) return refused ?? refuse(400, 'BAD_USER_INPUT', BAD_BODY);
    await upload.end();
  } catch (err) {
    await upload?.abort().catch(() => {});
    throw err;
  }
  const doc = { _id: id, tenantId, name, contentType, size, sha256: hash.digest('hex'), createdAt };
  try {
    return { ok: true, file: await opts.repository.insert(doc) };
  } catch (err) {
    await opts.repository.content.delete(id).catch(() => {});
    throw err;
  }
}

