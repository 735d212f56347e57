/**
 * The Batch API of an OpenAI(-compatible) endpoint through the SDK: files.create (purpose
 * `batch`), batches.create / retrieve / cancel, files.content / delete, and the files and batches
 * lists that find an object again by its name or metadata. Calls are tried once; the batch
 * round that uses them runs again at its next interval, so there is no retry loop here.
 */
import OpenAI, { NotFoundError, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import type { BatchApi, ProviderBatch, ProviderBatchStatus, ProviderFile } from './provider.js';
import { chatCompletionBody, type MaxTokensField } from './chat-params.js';
import { classifyAiError } from './classify-error.js';

export interface OpenAiBatchesOptions {
  /** Blanked out of error messages. */
  secrets: readonly string[];
  /** The limit of one upload or download of a batch file (they reach 200 MB), in ms. */
  fileTimeoutMs: number;
  /** The model of a request that names none. */
  model: string;
  maxTokensField: MaxTokensField;
}

/** How far back of `since` the lists are read: the provider's clock is not ours. */
const CLOCK_SLACK_MS = 5 * 60_000;

export function createOpenAiBatches(client: OpenAI, opts: OpenAiBatchesOptions): BatchApi {
  const fail = (err: unknown): never => {
    throw classifyAiError(err, { secrets: opts.secrets });
  };
  const fileOptions = { timeout: opts.fileTimeoutMs };
  return {
    // A batch is never streamed; its tier is the Batch API itself, so no service_tier is sent.
    requestBody: (req) => chatCompletionBody({ ...req, serviceTier: undefined }, req.model ?? opts.model, opts.maxTokensField),
    async uploadFile(filename, jsonl) {
      const file = await client.files.create({ file: await toFile(Buffer.from(jsonl, 'utf8'), filename), purpose: 'batch' }, fileOptions).catch(fail);
      return toProviderFile(file);
    },
    async findFile(filename, since) {
      try {
        for await (const file of client.files.list({ purpose: 'batch', order: 'desc', limit: 100 })) {
          if (file.created_at * 1000 < since.getTime() - CLOCK_SLACK_MS) return null;
          if (file.filename === filename) return toProviderFile(file);
        }
        return null;
      } catch (err) {
        return fail(err);
      }
    },
    async createBatch(inputFileId, metadata) {
      return toProviderBatch(await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata }).catch(fail));
    },
    async findBatch(key, value, since) {
      try {
        for await (const batch of client.batches.list({ limit: 100 })) {
          if (batch.created_at * 1000 < since.getTime() - CLOCK_SLACK_MS) return null;
          if (batch.metadata?.[key] === value) return toProviderBatch(batch);
        }
        return null;
      } catch (err) {
        return fail(err);
      }
    },
    async retrieveBatch(id) {
      return toProviderBatch(await client.batches.retrieve(id).catch(fail));
    },
    async cancelBatch(id) {
      return toProviderBatch(await client.batches.cancel(id).catch(fail));
    },
    async fileContent(fileId) {
      const res = await client.files.content(fileId, fileOptions).catch(fail);
      return res.text();
    },
    async deleteFile(fileId) {
      // A file already gone (404) is what a delete wants.
      await client.files.delete(fileId).catch((err: unknown) => (err instanceof NotFoundError ? undefined : fail(err)));
    },
  };
}

function toProviderFile(file: FileObject): ProviderFile {
  return { id: file.id, filename: file.filename, createdAt: new Date(file.created_at * 1000) };
}

function toProviderBatch(batch: Batch): ProviderBatch {
  const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
  return {
    id: batch.id,
    status: batch.status as ProviderBatchStatus,
    inputFileId: batch.input_file_id,
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    counts: { total: counts.total, completed: counts.completed, failed: counts.failed },
    metadata: { ...(batch.metadata ?? {}) },
    createdAt: new Date(batch.created_at * 1000),
  };
}
