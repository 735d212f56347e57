/**
 * The files side of one process, composed from the config and the database: the records,
 * the list index and GridFS (src/db/files), the uploads the API receives, the service
 * resolvers call, and the reader jobs use through their port (JobFiles).
 */
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { FilesRepository, type FileDoc } from '../db/files/index.js';
import type { JobFiles } from '../jobs/index.js';
import { createUrlFetcher } from './fetch-url.js';
import { FileReader } from './file-reader.js';
import { FileService } from './file-service.js';
import { receiveUpload, type UploadOutcome } from './receive-upload.js';

export interface CreateFilesOptions {
  db: Db;
  config: Readonly<Config>;
  /** Told of each upload before its first byte is stored (the retention ledger). */
  onStart?(file: Pick<FileDoc, '_id' | 'tenantId' | 'createdAt'>): Promise<void>;
  /** How URL hosts are resolved at connect time; for tests. */
  lookup?: LookupFunction;
}

export interface Files {
  repository: FilesRepository;
  service: FileService;
  /** What jobs read files through (submit checks, the `read` step). */
  reader: JobFiles;
  /** Reads one `POST /files` request to its end and stores its file part. */
  receive(req: IncomingMessage, tenantId: string): Promise<UploadOutcome>;
  close(): Promise<void>;
}

export async function createFiles({ db, config, onStart, lookup }: CreateFilesOptions): Promise<Files> {
  const repository = new FilesRepository(db);
  await repository.ensureIndexes();
  const { maxBytes, allowPrivateUrls, fetchTimeoutMs, uploadTimeoutMs } = config.files;
  const fetcher = createUrlFetcher({ allowPrivate: allowPrivateUrls, timeoutMs: fetchTimeoutMs, maxBytes, ...(lookup ? { lookup } : {}) });
  return {
    repository,
    service: new FileService(repository),
    reader: new FileReader({ repository, fetcher, maxTextBytes: config.jobs.limits.maxDocumentBytes }),
    receive: (req, tenantId) => receiveUpload(req, tenantId, { repository, maxBytes, timeoutMs: uploadTimeoutMs, ...(onStart ? { onStart } : {}) }),
    close: () => fetcher.close(),
  };
}
