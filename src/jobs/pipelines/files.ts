/**
 * How jobs reach files: a small port that src/files implements, so that pipelines and the
 * runner never see storage, GridFS or HTTP. A job names a file by reference (an upload's id,
 * or a URL the worker fetches); submit checks the reference, and the `read` step turns it
 * into text through `ctx.readFile`.
 */

/** A file a job reads: an upload's id (`POST /files`), or a URL the worker fetches. */
export type FileRef = { id: string } | { url: string };

/** One file as read: what the `read` step stores as its output (a retry reads nothing again). */
export interface ReadFile {
  /** The upload's name, or the URL's last path segment. */
  name: string;
  /** Detected from the bytes: application/pdf, …wordprocessingml.document, text/html, text/markdown, text/plain. */
  contentType: string;
  text: string;
  /** A PDF's page count; null for other types. */
  pages: number | null;
  characters: number;
  /** SHA-256 (hex) of exactly the bytes that were read: what the job analysed. */
  sha256: string;
  bytes: number;
}

/** What a file's own problem is called on the job: never retried, except NETWORK and TIMEOUT. */
export type FileReadFailureCode = 'UNSUPPORTED_FILE' | 'INVALID_INPUT' | 'NETWORK' | 'TIMEOUT';

export type FileReadOutcome = { ok: true; file: ReadFile } | { ok: false; code: FileReadFailureCode; message: string; retryable: boolean };

export interface FileReadHooks {
  signal: AbortSignal;
  /** Called once the bytes are in and the type is known (a PDF's page count included), before the text is extracted. */
  onOpened?(file: { name: string; contentType: string; pages: number | null }): Promise<void>;
}

export interface JobFiles {
  /** At submit: the upload when it exists and is the tenant's, else null. */
  find(tenantId: string, fileId: string): Promise<{ name: string } | null>;
  /** At submit, without the network: why this URL can never be fetched (its scheme, its shape), or null. */
  urlProblem(url: string): string | null;
  /** In the worker: fetches the bytes and extracts the text; a problem of the file's own is returned, not thrown. */
  read(tenantId: string, ref: FileRef, hooks: FileReadHooks): Promise<FileReadOutcome>;
}

/** A file could not be read: the job fails with `code` (retried only when `retryable`). */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    readonly code: FileReadFailureCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Upload ids are ObjectIds in hex. */
export const FILE_ID_PATTERN = '^[0-9a-f]{24}$';
export const MAX_FILE_URL_LENGTH = 2048;

/** The JSON Schema of a file reference, shared by the kinds that take one. */
export const fileRefSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  description: 'Exactly one of: `id`, an upload (POST /files) of this tenant; `url`, fetched by the worker (https only unless FILE_ALLOW_PRIVATE_URLS).',
  properties: {
    id: { type: 'string', pattern: FILE_ID_PATTERN },
    url: { type: 'string', minLength: 1, maxLength: MAX_FILE_URL_LENGTH },
  },
} as const;

export const isUploadRef = (ref: FileRef): ref is { id: string } => 'id' in ref;
