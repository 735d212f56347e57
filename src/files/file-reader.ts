/**
 * The jobs' port to files (JobFiles), in the worker: the bytes of an upload (from GridFS,
 * the tenant's own only) or of a URL (fetch-url.ts), their SHA-256, their type told from the
 * bytes, and their text. A file's own problem comes back as an outcome with the code the job
 * fails with; only the database failing throws (the runner then leaves the job to resume).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FilesRepository } from '../db/files/index.js';
import type { FileReadFailureCode, FileReadHooks, FileReadOutcome, FileRef, JobFiles } from '../jobs/index.js';
import { detectType, HEAD_BYTES } from './detect-type.js';
import { extractText, UnreadableFileError } from './extract-text.js';
import type { UrlFetcher } from './fetch-url.js';

export interface FileReaderOptions {
  repository: FilesRepository;
  fetcher: UrlFetcher;
  /** MAX_DOCUMENT_BYTES: the most text one file may give (a document's limit when pasted). */
  maxTextBytes: number;
}

type Source = { ok: true; bytes: Buffer; name: string } | { ok: false; code: FileReadFailureCode; message: string; retryable: boolean };

export class FileReader implements JobFiles {
  constructor(private readonly opts: FileReaderOptions) {}

  async find(tenantId: string, fileId: string): Promise<{ name: string } | null> {
    const doc = await this.opts.repository.findForTenant(tenantId, fileId);
    return doc ? { name: doc.name } : null;
  }

  urlProblem(url: string): string | null {
    return this.opts.fetcher.problem(url);
  }

  async read(tenantId: string, ref: FileRef, hooks: FileReadHooks): Promise<FileReadOutcome> {
    const source = 'id' in ref ? await this.download(tenantId, ref.id, hooks.signal) : await this.opts.fetcher.fetch(ref.url, hooks.signal);
    if (!source.ok) return source;
    const { bytes, name } = source;
    const detection = await detectType(bytes.subarray(0, HEAD_BYTES), bytes.length <= HEAD_BYTES);
    if (!detection.ok) return unsupported(`${name}: ${detection.reason}`);
    let extracted;
    try {
      extracted = await extractText(bytes, detection.kind, name, { onOpened: async (pages) => hooks.onOpened?.({ name, contentType: detection.contentType, pages }) });
    } catch (err) {
      if (err instanceof UnreadableFileError) return unsupported(err.message.startsWith(name) ? err.message : `${name}: ${err.message}`);
      throw err;
    }
    const textBytes = Buffer.byteLength(extracted.text);
    if (textBytes > this.opts.maxTextBytes) {
      return { ok: false, code: 'INVALID_INPUT', message: `${name} gives ${textBytes} bytes of text; at most MAX_DOCUMENT_BYTES (${this.opts.maxTextBytes}) are analysed`, retryable: false };
    }
    return {
      ok: true,
      file: {
        name,
        contentType: detection.contentType,
        text: extracted.text,
        pages: extracted.pages,
        characters: extracted.text.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
      },
    };
  }

  /** The upload's bytes; one deleted since the job was submitted fails the job (not retried). */
  private async download(tenantId: string, fileId: string, signal: AbortSignal): Promise<Source> {
    const doc = await this.opts.repository.findForTenant(tenantId, fileId);
    if (!doc) return { ok: false, code: 'INVALID_INPUT', message: `file ${fileId} was deleted before the job read it`, retryable: false };
    const stream = this.opts.repository.content.openDownload(fileId);
    return { ok: true, bytes: await readAll(stream, signal), name: doc.name };
  }
}

const unsupported = (message: string): FileReadOutcome => ({ ok: false, code: 'UNSUPPORTED_FILE', message, retryable: false });

/** The whole stream (at most FILE_MAX_BYTES: it was checked on upload) into one buffer; a cancel destroys it. */
async function readAll(stream: Readable, signal: AbortSignal): Promise<Buffer> {
  const onAbort = (): void => void stream.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    let read = 0;
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      read += (chunk as Buffer).length;
    }
    return Buffer.concat(chunks, read);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
