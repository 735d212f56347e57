/** Uploaded files and file references in jobs (POST /files, `file: { id } | { url }`). */
import { readBool, readInt, type Env } from './parse.js';

export interface FilesConfig {
  /**
   * The largest file accepted, uploaded or fetched from a URL (FILE_MAX_BYTES); a larger
   * upload gets 413 and nothing is stored. @default 26214400 (25 MiB)
   */
  maxBytes: number;
  /**
   * Lets a job fetch `http:` URLs and loopback or private addresses (FILE_ALLOW_PRIVATE_URLS;
   * development and tests). Otherwise only `https:` to public addresses, checked at connect. @default false
   */
  allowPrivateUrls: boolean;
  /** The limit of fetching one file from a URL, redirects and body included (FILE_FETCH_TIMEOUT_MS). @default 60000 */
  fetchTimeoutMs: number;
  /** The limit of one upload request, from its first byte to its answer (FILE_UPLOAD_TIMEOUT_MS). @default 300000 */
  uploadTimeoutMs: number;
}

export function readFilesConfig(env: Env): FilesConfig {
  return {
    maxBytes: readInt(env, 'FILE_MAX_BYTES', 25 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    allowPrivateUrls: readBool(env, 'FILE_ALLOW_PRIVATE_URLS', false),
    fetchTimeoutMs: readInt(env, 'FILE_FETCH_TIMEOUT_MS', 60_000, 1, 3_600_000),
    uploadTimeoutMs: readInt(env, 'FILE_UPLOAD_TIMEOUT_MS', 300_000, 1000, 86_400_000),
  };
}
