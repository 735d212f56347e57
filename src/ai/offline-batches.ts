/**
 * The offline stand-in's Batch API: files and batches kept in an `OfflineBatchStore` (the
 * database, so every worker of a fleet sees them; memory by default), each line answered
 * by the offline provider itself. A batch answers half of its lines (rounded up) each time
 * it is looked at, then writes its output file, so a demo shows it move: "1 of 2 answered".
 */
import { randomUUID } from 'node:crypto';
import { AiError, AiErrorCode } from './ai-error.js';
import { chatCompletionBody, fromChatCompletionBody } from './chat-params.js';
import type { BatchApi, CompletionRequest, CompletionResult, ProviderBatch, ProviderBatchStatus, ProviderFile } from './provider.js';

export interface OfflineFileDoc {
  type: 'file';
  id: string;
  filename: string;
  content: string;
  createdAt: Date;
}

export interface OfflineBatchDoc {
  type: 'batch';
  id: string;
  status: ProviderBatchStatus;
  inputFileId: string;
  outputFileId: string | null;
  total: number;
  completed: number;
  metadata: Record<string, string>;
  createdAt: Date;
}

export type OfflineObject = OfflineFileDoc | OfflineBatchDoc;

/** Where the offline Batch API keeps its files and batches. */
export interface OfflineBatchStore {
  put(value: OfflineObject): Promise<void>;
  get(id: string): Promise<OfflineObject | null>;
  /** Every object of a type (a developer's few). */
  list(type: OfflineObject['type']): Promise<OfflineObject[]>;
  delete(id: string): Promise<void>;
}

export function memoryBatchStore(): OfflineBatchStore {
  const objects = new Map<string, OfflineObject>();
  return {
    put: async (value) => void objects.set(value.id, value),
    get: async (id) => objects.get(id) ?? null,
    list: async (type) => [...objects.values()].filter((o) => o.type === type),
    delete: async (id) => void objects.delete(id),
  };
}

type Complete = (req: CompletionRequest) => Promise<CompletionResult>;

export function createOfflineBatches(complete: Complete, store: OfflineBatchStore, model: string): BatchApi {
  const file = async (id: string): Promise<OfflineFileDoc> => {
    const found = await store.get(id);
    if (found?.type !== 'file') throw notFound('file', id);
    return found;
  };
  const batch = async (id: string): Promise<OfflineBatchDoc> => {
    const found = await store.get(id);
    if (found?.type !== 'batch') throw notFound('batch', id);
    return found;
  };
  const save = async (doc: OfflineBatchDoc): Promise<ProviderBatch> => (await store.put(doc), toProviderBatch(doc));

  return {
    requestBody: (req) => chatCompletionBody({ ...req, serviceTier: undefined }, req.model ?? model, 'max_tokens'),
    async uploadFile(filename, jsonl) {
      const doc: OfflineFileDoc = { type: 'file', id: `file-offline-${randomUUID()}`, filename, content: jsonl, createdAt: new Date() };
      await store.put(doc);
      return toProviderFile(doc);
    },
    async findFile(filename, since) {
      const found = (await store.list('file')).filter((f): f is OfflineFileDoc => f.type === 'file' && f.filename === filename && f.createdAt >= since);
      return found.length > 0 ? toProviderFile(found[found.length - 1]!) : null;
    },
    async createBatch(inputFileId, metadata) {
      const lines = (await file(inputFileId)).content.split('\n').filter((l) => l.trim() !== '').length;
      const doc: OfflineBatchDoc = { type: 'batch', id: `batch-offline-${randomUUID()}`, status: 'in_progress', inputFileId, outputFileId: null, total: lines, completed: 0, metadata, createdAt: new Date() };
      return save(doc);
    },
    async findBatch(key, value, since) {
      const found = (await store.list('batch')).filter((b): b is OfflineBatchDoc => b.type === 'batch' && b.metadata[key] === value && b.createdAt >= since);
      return found.length > 0 ? toProviderBatch(found[found.length - 1]!) : null;
    },
    async retrieveBatch(id) {
      const doc = await batch(id);
      if (doc.status !== 'in_progress') return toProviderBatch(doc);
      const completed = Math.min(doc.total, doc.completed + Math.ceil(doc.total / 2));
      if (completed < doc.total) return save({ ...doc, completed });
      const output: OfflineFileDoc = { type: 'file', id: `file-offline-${randomUUID()}`, filename: `${doc.id}_output.jsonl`, content: await answerAll((await file(doc.inputFileId)).content), createdAt: new Date() };
      await store.put(output);
      return save({ ...doc, completed, status: 'completed', outputFileId: output.id });
    },
    async cancelBatch(id) {
      const doc = await batch(id);
      return doc.status === 'in_progress' ? save({ ...doc, status: 'cancelled' }) : toProviderBatch(doc);
    },
    async fileContent(fileId) {
      return (await file(fileId)).content;
    },
    async deleteFile(fileId) {
      if ((await store.get(fileId))?.type === 'file') await store.delete(fileId);
    },
  };

  /** The output file of an input file: the offline answer of each line, as OpenAI writes it. */
  async function answerAll(input: string): Promise<string> {
    const out: string[] = [];
    for (const [n, text] of input.split('\n').entries()) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as { custom_id: string; body: unknown };
      const result = await complete({ ...fromChatCompletionBody(line.body) });
      out.push(JSON.stringify({ id: `batch_req_offline_${n}`, custom_id: line.custom_id, response: { status_code: 200, request_id: `offline-${n}`, body: completionJson(result, n) }, error: null }));
    }
    return out.join('\n');
  }
}

/** A result in the Chat Completions response shape an output line carries. */
function completionJson(result: CompletionResult, n: number): unknown {
  const toolCalls = (result.toolCalls ?? []).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    id: `chatcmpl-offline-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: result.model,
    choices: [{ index: 0, message: { role: 'assistant', content: result.text, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }, finish_reason: result.finishReason ?? 'stop', logprobs: null }],
    usage: {
      prompt_tokens: result.usage.promptTokens,
      completion_tokens: result.usage.completionTokens,
      total_tokens: result.usage.totalTokens,
      ...(result.usage.cachedPromptTokens ? { prompt_tokens_details: { cached_tokens: result.usage.cachedPromptTokens } } : {}),
    },
  };
}

const notFound = (what: string, id: string): AiError => new AiError(AiErrorCode.PROVIDER_ERROR, `no offline ${what} ${id}`, { retryable: false, status: 404 });

const toProviderFile = (f: OfflineFileDoc): ProviderFile => ({ id: f.id, filename: f.filename, createdAt: f.createdAt });

function toProviderBatch(b: OfflineBatchDoc): ProviderBatch {
  return {
    id: b.id,
    status: b.status,
    inputFileId: b.inputFileId,
    outputFileId: b.outputFileId,
    errorFileId: null,
    counts: { total: b.total, completed: b.completed, failed: 0 },
    metadata: b.metadata,
    createdAt: b.createdAt,
  };
}
