/**
 * The stored shapes of uploaded files. A file's bytes live in GridFS's layout (bucket
 * `file_data`, under the same `_id`, chunks by `_id`: chunk-ids.ts); its record here is what
 * the API shows and what a job checks at submit. The list index (file-list-index.ts) orders a
 * tenant's files for `files(first, after)`.
 */
import type { Binary, ObjectId } from 'mongodb';

export interface FileDoc {
  /** Also the GridFS file's `_id`. */
  _id: string;
  tenantId: string;
  /** The name the uploader gave (the multipart part's filename), cut to 255 characters. */
  name: string;
  /** Detected from the bytes (file-type, or a text sniff), never taken from the upload's headers. */
  contentType: string;
  /** Bytes stored. */
  size: number;
  /** SHA-256 (hex) of exactly the stored bytes. */
  sha256: string;
  createdAt: Date;
  /** Where the tenant's list holds it: [bucket, position] (see FileListIndex). */
  place: [number, number];
}

/** Files per list bucket: a page of 20 reads one bucket (two at a bucket's edge). */
export const FILE_BUCKET_SIZE = 500;

/** One bucket of a tenant's list: files in the order they were stored, oldest first. */
export interface FileBucketDoc {
  _id: string;
  tenantId: string;
  bucket: number;
  ids: string[];
  /** False once the file was deleted (its place stays, so cursors stay valid). */
  live: boolean[];
}

/** The tenant's newest bucket and its number of files: `totalCount` is this one lookup. */
export interface FileCountsDoc {
  _id: string;
  tenantId: string;
  head: number;
  total: number;
}

/** Tenant ids are free text: their length goes first so that no two keys can collide. */
const scope = (tenantId: string): string => `${tenantId.length}:${tenantId}`;
export const fileBucketId = (tenantId: string, bucket: number): string => `k:${scope(tenantId)}:${bucket}`;
export const fileCountsId = (tenantId: string): string => `c:${scope(tenantId)}`;
export const fileLockKey = (tenantId: string): string => `files:${scope(tenantId)}`;

/** `file_data.files`: GridFS's own record of a file's bytes, written once its last chunk is stored. */
export interface GridFileDoc {
  _id: ObjectId;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  /** `chunkIds: CHUNK_IDS_BY_N` on files stored by FileContentStore; absent on GridFSBucket's (ObjectId chunk ids). */
  metadata?: { chunkIds?: string };
}

/** `file_data.chunks`: GridFS's chunk; `_id` is `<files_id>:<n>` (chunk-ids.ts), or an ObjectId on older files. */
export interface ChunkDoc {
  _id: string;
  files_id: ObjectId;
  n: number;
  data: Binary | Buffer;
}

/**
 * `file_uploads`: an upload whose bytes are being stored and which has no record yet. Written
 * before its first chunk and removed once its record is stored (or its bytes removed), so the
 * collection holds live uploads only; one still here at `staleAt` was cut off by a crash, and
 * the sweep removes its chunks by `_id`.
 */
export interface PendingUploadDoc {
  /** The file's id. */
  _id: string;
  tenantId: string;
  startedAt: Date;
  /** Past the upload's own time limit, with a margin: no live upload can still be writing. */
  staleAt: Date;
}
