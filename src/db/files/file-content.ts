/**
 * Files' bytes in GridFS (the driver's GridFSBucket, bucket `file_data`): written as a
 * stream in 255 KiB chunks, never held whole in memory, and read back as a stream. A file's
 * GridFS id is the ObjectId of its record's `_id`.
 *
 * On FerretDB the chunks of one file are found by a query on `files_id`, which reads the
 * whole `file_data.chunks` collection (only `_id` lookups are indexed there): a download or
 * a delete costs in proportion to all stored bytes. Retention bounds them; docs/queries.md
 * has the figures. MongoDB serves both from GridFS's own `{ files_id: 1, n: 1 }` index.
 */
import { GridFSBucket, ObjectId, type Db, type GridFSBucketReadStream, type GridFSBucketWriteStream } from 'mongodb';

export const FILE_CHUNK_BYTES = 255 * 1024;

export class FileContentStore {
  private readonly bucket: GridFSBucket;

  constructor(private readonly db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: 'file_data', chunkSizeBytes: FILE_CHUNK_BYTES });
  }

  /** A stream to write a new file's bytes to; `abort()` on it removes what was written. */
  openUpload(fileId: string, name: string): GridFSBucketWriteStream {
    return this.bucket.openUploadStreamWithId(new ObjectId(fileId), name);
  }

  /** The file's bytes, streamed; the stream errors when the file is not stored. */
  openDownload(fileId: string): GridFSBucketReadStream {
    return this.bucket.openDownloadStream(new ObjectId(fileId));
  }

  /** Removes the bytes; a file already gone is no error. */
  async delete(fileId: string): Promise<void> {
    try {
      await this.bucket.delete(new ObjectId(fileId));
    } catch (err) {
      // GridFSBucket.delete throws when the file record is gone (its chunks are deleted first).
      if (!(err instanceof Error && /File not found/i.test(err.message))) throw err;
    }
  }

  /** How many chunks are stored for the file (tests: nothing is left after an abort or delete). */
  chunkCount(fileId: string): Promise<number> {
    return this.db.collection('file_data.chunks').countDocuments({ files_id: new ObjectId(fileId) });
  }
}
