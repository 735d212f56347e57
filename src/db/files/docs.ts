/**
 * The stored shapes of uploaded files. A file's bytes live in GridFS (bucket `file_data`,
 * under the same `_id`); its record here is what the API shows and what a job checks at
 * submit. The list index (file-list-index.ts) orders a tenant's files for `files(first, after)`.
 */

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
