/**
 * Files' bytes, in GridFS's layout (bucket `file_data`: `file_data.files` and
 * `file_data.chunks` with `files_id`, `n`, `data`), so `mongofiles` and any GridFS reader
 * read them; but written, read and deleted here, chunk by chunk under `_id`s derived from the
 * file id and `n` (chunk-ids.ts). FerretDB answers only an exact `_id` lookup from an index,
 * and GridFSBucket finds chunks by `files_id`: through it a download or a delete read the
 * whole chunks collection there. This way each costs its own file's chunks on either server.
 *
 * An upload is noted in `file_uploads` before its first chunk and forgotten once its record is
 * stored; a note left past its `staleAt` by a crash is how the sweep finds the chunks to
 * remove, by `_id`, without a scan (files.repository.ts).
 *
 * Files stored by GridFSBucket before this layout (ObjectId chunk ids; their `file_data.files`
 * record has no `metadata.chunkIds`) are still read and deleted through GridFSBucket: correct
 * on both servers, indexed on MongoDB, a scan of the chunks on FerretDB, until they age out.
 */
import { Readable } from 'node:stream';
import { GridFSBucket, ObjectId, type Binary, type Collection, type Db } from 'mongodb';
import { CHUNK_IDS_BY_N, chunkId, chunksOf, storedPrefix } from './chunk-ids.js';
import { ChunkUpload } from './chunk-upload.js';
import type { ChunkDoc, GridFileDoc, PendingUploadDoc } from './docs.js';

export const FILE_CHUNK_BYTES = 255 * 1024;

/** Chunks asked for at once by a download: the next one is on its way while one is consumed. */
const READ_AHEAD = 2;

export interface UploadNote {
  tenantId: string;
  /** When no live upload of this file can still be writing (see PendingUploadDoc). */
  staleAt: Date;
}

export class FileContentStore {
  readonly chunks: Collection<ChunkDoc>;
  readonly files: Collection<GridFileDoc>;
  readonly uploads: Collection<PendingUploadDoc>;
  /** Older files only (see above). */
  private readonly legacy: GridFSBucket;

  constructor(db: Db) {
    this.chunks = db.collection<ChunkDoc>('file_data.chunks');
    this.files = db.collection<GridFileDoc>('file_data.files');
    this.uploads = db.collection<PendingUploadDoc>('file_uploads');
    this.legacy = new GridFSBucket(db, { bucketName: 'file_data', chunkSizeBytes: FILE_CHUNK_BYTES });
  }

  /**
   * GridFS's own indexes, which GridFSBucket creates on its first write (GridFS readers and
   * the older files' path use them on MongoDB), and the sweep's.
   */
  async ensureIndexes(): Promise<void> {
    await this.chunks.createIndex({ files_id: 1, n: 1 }, { unique: true });
    await this.files.createIndex({ filename: 1, uploadDate: 1 });
    await this.uploads.createIndex({ staleAt: 1 });
  }

  /** Notes the upload, then takes its bytes; `abort()` on it removes what was written. */
  async openUpload(fileId: string, name: string, note: UploadNote): Promise<ChunkUpload> {
    await this.uploads.insertOne({ _id: fileId, tenantId: note.tenantId, startedAt: new Date(), staleAt: note.staleAt });
    const target = { chunks: this.chunks, files: this.files, discard: (id: string, written: number) => this.discard(id, written) };
    return new ChunkUpload(target, fileId, name, FILE_CHUNK_BYTES);
  }

  /** The upload's record is stored: its bytes are no longer the sweep's business. */
  async uploadRecorded(fileId: string): Promise<void> {
    await this.uploads.deleteOne({ _id: fileId });
  }

  /** Uploads noted and not finished by `now`: cut off by a crash (see PendingUploadDoc). */
  abandonedUploads(now: Date, limit: number): Promise<PendingUploadDoc[]> {
    return this.uploads.find({ staleAt: { $lte: now } }).limit(limit).toArray();
  }

  /** The file's bytes, streamed; the stream errors when the file is not stored whole. */
  openDownload(fileId: string): Readable {
    return Readable.from(this.read(fileId), { objectMode: false });
  }

  /** Removes the bytes and the upload's note; a file already (or partly) gone is no error. */
  async delete(fileId: string): Promise<void> {
    const file = await this.files.findOne({ _id: new ObjectId(fileId) });
    if (file && !byN(file)) {
      await this.deleteLegacy(fileId);
    } else {
      // Without its GridFS record the upload never finished: its chunks are the prefix still stored.
      const count = file ? chunksOf(file.length, file.chunkSize) : await storedPrefix((n) => this.hasChunk(fileId, n));
      await this.deleteChunks(fileId, count);
      // The record last: while it stays, a delete cut off here is finished by the next one.
      if (file) await this.files.deleteOne({ _id: file._id });
    }
    await this.uploads.deleteOne({ _id: fileId });
  }

  /** How many chunks are stored for the file (tests only: a query on `files_id`, a scan on FerretDB). */
  chunkCount(fileId: string): Promise<number> {
    return this.chunks.countDocuments({ files_id: new ObjectId(fileId) });
  }

  /** An aborted upload: the chunks it sent, then its note. */
  private async discard(fileId: string, sent: number): Promise<void> {
    await this.deleteChunks(fileId, sent);
    await this.uploads.deleteOne({ _id: fileId });
  }

  /** From the last down, so that what a crash leaves is still a prefix (storedPrefix finds it). */
  private async deleteChunks(fileId: string, count: number): Promise<void> {
    for (let n = count - 1; n >= 0; n--) await this.chunks.deleteOne({ _id: chunkId(fileId, n) });
  }

  private async hasChunk(fileId: string, n: number): Promise<boolean> {
    return (await this.chunks.findOne({ _id: chunkId(fileId, n) }, { projection: { _id: 1 } })) !== null;
  }

  private async *read(fileId: string): AsyncGenerator<Buffer> {
    const file = await this.files.findOne({ _id: new ObjectId(fileId) });
    if (!file) throw new Error(`file ${fileId} is not stored`);
    if (!byN(file)) {
      for await (const bytes of this.legacy.openDownloadStream(file._id)) yield bytes as Buffer;
      return;
    }
    const count = chunksOf(file.length, file.chunkSize);
    const ahead: Array<Promise<ChunkDoc | null>> = [];
    let next = 0;
    try {
      for (let n = 0; n < count; n++) {
        while (next < count && ahead.length < READ_AHEAD) ahead.push(this.chunks.findOne({ _id: chunkId(fileId, next++) }));
        const chunk = await ahead.shift()!;
        const expected = Math.min(file.chunkSize, file.length - n * file.chunkSize);
        const bytes = chunk ? bytesOf(chunk.data) : null;
        if (!chunk || chunk.n !== n || bytes!.length !== expected) throw new Error(`file ${fileId}: chunk ${n} of ${count} is missing or damaged`);
        yield bytes!;
      }
    } finally {
      // A reader that stopped early (cancelled): the chunks asked for ahead no longer matter.
      for (const unread of ahead) void unread.catch(() => {});
    }
  }

  private async deleteLegacy(fileId: string): Promise<void> {
    try {
      await this.legacy.delete(new ObjectId(fileId));
    } catch (err) {
      // GridFSBucket.delete throws when the file record is gone (its chunks are deleted first).
      if (!(err instanceof Error && /File not found/i.test(err.message))) throw err;
    }
  }
}

const byN = (file: GridFileDoc): boolean => file.metadata?.chunkIds === CHUNK_IDS_BY_N;

function bytesOf(data: Binary | Buffer): Buffer {
  if (Buffer.isBuffer(data)) return data;
  const view = data.value();
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
