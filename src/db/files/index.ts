/** Uploaded files: their records, the per-tenant list index, and their bytes in GridFS's layout. */
export { CHUNK_IDS_BY_N, chunkId, storedPrefix } from './chunk-ids.js';
export type { ChunkUpload } from './chunk-upload.js';
export { FILE_BUCKET_SIZE } from './docs.js';
export type { FileDoc, GridFileDoc, PendingUploadDoc } from './docs.js';
export { FILE_CHUNK_BYTES, FileContentStore, type UploadNote } from './file-content.js';
export { FileListIndex, type Place } from './file-list-index.js';
export { FilesRepository, type FilePage } from './files.repository.js';
