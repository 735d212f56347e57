/**
 * Files: uploads streamed into GridFS (`POST /files`), their list, and reading them for jobs —
 * type from the bytes, text out of PDF, Word, HTML, Markdown and plain text, URLs fetched
 * through the webhooks' address guard. Outside code enters through this file.
 */
export { createFiles, type CreateFilesOptions, type Files } from './create-files.js';
export { fileCursor, FileService, MAX_FILES_PAGE } from './file-service.js';
export type { UploadOutcome } from './receive-upload.js';
