/** Uploaded files: their records, the per-tenant list index, and their bytes in GridFS. */
export { FILE_BUCKET_SIZE } from './docs.js';
export type { FileDoc } from './docs.js';
export { FILE_CHUNK_BYTES, FileContentStore } from './file-content.js';
export { FileListIndex, type Place } from './file-list-index.js';
export { FilesRepository, type FilePage } from './files.repository.js';
