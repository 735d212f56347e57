/**
 * The fake OpenAI server's Files and Batch API: `POST /v1/files` (multipart upload),
 * `GET /v1/files` (list), `GET /v1/files/:id` and `/:id/content`, `DELETE /v1/files/:id`,
 * `POST /v1/batches`, `GET /v1/batches/:id`, `POST /v1/batches/:id/cancel`, `GET /v1/batches`
 * (list). Each line of a batch is answered like a realtime request (fake-openai-replies.ts), but
 * is not a request of its own: `requests` holds the HTTP calls, `batches.lines()` the lines
 * uploaded. A deleted file is gone from the API (404) but stays in `files` and `lines()`, with
 * its id in `deleted`, so a test still sees everything ever sent.
 *
 * Knobs: `hold` (batches stay in_progress until released), `answerPerPoll` (lines answered per
 * retrieve, so counts move), `onLine` (a line's reply; a status of 400 or more makes it a failed
 * line in the error file), `expireAfter` (the next batches expire once that many lines are
 * answered), `hangNext` (the next upload or batch create is stored but never answered,
 * as when a client dies after sending it), and `failDeletes` (file deletes answer that status).
 */
import type http from 'node:http';
import { completionBody, type FakeChatBody, type FakeReply, type RecordedRequest } from './fake-openai-replies.js';

export interface FakeFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
  content: string;
}

export interface FakeBatch {
  id: string;
  input_file_id: string;
  metadata: Record<string, string>;
  status: 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled' | 'failed';
  created_at: number;
  output_file_id: string | null;
  error_file_id: string | null;
  /** Lines answered or failed so far, in order of the input file. */
  done: number;
  failed: number;
  /** Lines of the input file: custom_id and request body. */
  lines: Array<{ custom_id: string; body: FakeChatBody }>;
  output: string[];
  errors: string[];
  /** Lines after which it expires (the knob as it was when the batch was made). */
  expireAfter: number | null;
}

export type FakeLineHandler = (line: { custom_id: string; body: FakeChatBody }) => FakeReply | undefined;

export interface FakeBatches {
  /** Every file ever stored, deleted ones included. */
  readonly files: ReadonlyMap<string, FakeFile>;
  /** The ids of the files deleted through the API. */
  readonly deleted: ReadonlySet<string>;
  readonly batches: ReadonlyMap<string, FakeBatch>;
  /** Every line of every uploaded batch input file, in upload order. */
  lines(): Array<{ custom_id: string; body: FakeChatBody; file: string }>;
  /** Batches stay in_progress (answering nothing) while held. */
  hold(on: boolean): void;
  /** Lines answered per retrieve of a batch (default: all at once). */
  answerPerPoll(n: number | null): void;
  onLine(handler: FakeLineHandler | null): void;
  /** Batches created from now on expire once this many of their lines are answered (null: never). */
  expireAfter(n: number | null): void;
  /** The next upload (or batch create) is stored but its response never sent. */
  hangNext(what: 'upload' | 'create'): void;
  /** File deletes answer this status (an error) and delete nothing; null: they work. */
  failDeletes(status: number | null): void;
  reset(): void;
}

export interface BatchRoutes extends FakeBatches {
  /** Handles a Files or Batch API request; false when the path is not one of theirs. */
  handle(record: RecordedRequest, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
}

export function createFakeBatches(): BatchRoutes {
  const files = new Map<string, FakeFile>();
  const deleted = new Set<string>();
  let deleteStatus: number | null = null;
  const batches = new Map<string, FakeBatch>();
  let held = false;
  let perPoll: number | null = null;
  let lineHandler: FakeLineHandler | null = null;
  let expireAt: number | null = null;
  const hang = new Set<'upload' | 'create'>();
  let counter = 0;
  let lineCount = 0;
  const nextId = (prefix: string) => `${prefix}-fake-${++counter}`;
  const now = () => Math.floor(Date.now() / 1000) + counter;

  function addFile(filename: string, purpose: string, content: string): FakeFile {
    const file: FakeFile = { id: nextId('file'), filename, purpose, bytes: Buffer.byteLength(content), created_at: now(), content };
    files.set(file.id, file);
    return file;
  }

  /** Answers (or fails) up to `n` more lines; finishes the batch when none is left or it expires. */
  function advance(b: FakeBatch, n: number): void {
    const end = Math.min(b.lines.length, b.done + n, b.expireAfter ?? Infinity);
    for (; b.done < end; b.done++) {
      const line = b.lines[b.done]!;
      const reply = lineHandler?.(line) ?? {};
      const status = reply.status ?? 200;
      const record = { index: lineCount, method: 'POST', path: '/v1/chat/completions', headers: {}, body: line.body, rawBody: JSON.stringify(line.body), receivedAt: Date.now(), clientClosed: false };
      const body = status >= 400 ? (reply.body ?? { error: { message: `fake error ${status}`, type: 'fake_error', code: null } }) : completionBody(reply, record, lineCount++);
      const entry = JSON.stringify({ id: `batch_req_${counter}_${b.done}`, custom_id: line.custom_id, response: { status_code: status, request_id: `req_${b.done}`, body }, error: null });
      if (status >= 400) {
        b.errors.push(entry);
        b.failed += 1;
      } else b.output.push(entry);
    }
    const expired = b.expireAfter !== null && b.done >= b.expireAfter && b.done < b.lines.length;
    if (b.done >= b.lines.length || expired) finish(b, expired ? 'expired' : 'completed');
  }

  function finish(b: FakeBatch, status: 'completed' | 'expired' | 'cancelled'): void {
    if (status !== 'completed') {
      const code = status === 'expired' ? 'batch_expired' : 'batch_cancelled';
      for (const line of b.lines.slice(b.done)) {
        b.errors.push(JSON.stringify({ id: null, custom_id: line.custom_id, response: null, error: { code, message: `This request was not executed: ${code}.` } }));
      }
    }
    if (b.output.length > 0) b.output_file_id = addFile(`${b.id}_output.jsonl`, 'batch_output', `${b.output.join('\n')}\n`).id;
    if (b.errors.length > 0) b.error_file_id = addFile(`${b.id}_error.jsonl`, 'batch_output', `${b.errors.join('\n')}\n`).id;
    b.status = status;
  }

  const batchJson = (b: FakeBatch) => ({
    id: b.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: null,
    input_file_id: b.input_file_id,
    completion_window: '24h',
    status: b.status,
    output_file_id: b.output_file_id,
    error_file_id: b.error_file_id,
    created_at: b.created_at,
    request_counts: { total: b.lines.length, completed: b.done - b.failed, failed: b.failed },
    metadata: b.metadata,
  });
  const fileJson = (f: FakeFile) => ({ id: f.id, object: 'file', bytes: f.bytes, created_at: f.created_at, filename: f.filename, purpose: f.purpose, status: 'processed' });

  async function handle(record: RecordedRequest, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').filter(Boolean); // v1, files|batches, id?, action?
    if (parts[0] !== 'v1' || (parts[1] !== 'files' && parts[1] !== 'batches')) return false;
    const [, kind, id, action] = parts;
    const notFound = () => json(res, 404, { error: { message: `No such ${kind?.slice(0, -1)}: ${id}`, type: 'invalid_request_error', code: null } });
    if (kind === 'files') {
      if (record.method === 'POST' && !id) {
        const form = await new Request('http://fake/v1/files', { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body: record.rawBody }).formData();
        const file = form.get('file') as File | null;
        if (!file) return json(res, 400, { error: { message: 'file is required', type: 'invalid_request_error' } }), true;
        const stored = addFile(file.name, String(form.get('purpose')), await file.text());
        if (hang.delete('upload')) return true; // stored, never answered
        return json(res, 200, fileJson(stored)), true;
      }
      if (record.method === 'GET' && !id) {
        const purpose = url.searchParams.get('purpose');
        const list = [...files.values()].filter((f) => !deleted.has(f.id) && (!purpose || f.purpose === purpose));
        if (url.searchParams.get('order') !== 'asc') list.reverse();
        return json(res, 200, { object: 'list', data: list.map(fileJson), has_more: false }), true;
      }
      const file = id && !deleted.has(id) ? files.get(id) : undefined;
      if (!file) return notFound(), true;
      if (record.method === 'DELETE' && !action) {
        if (deleteStatus !== null) return json(res, deleteStatus, { error: { message: `fake error ${deleteStatus}`, type: 'fake_error', code: null } }), true;
        deleted.add(file.id);
        return json(res, 200, { id: file.id, object: 'file', deleted: true }), true;
      }
      if (action === 'content') return (res.writeHead(200, { 'content-type': 'application/octet-stream' }), res.end(file.content)), true;
      return json(res, 200, fileJson(file)), true;
    }
    if (record.method === 'POST' && !id) {
      const body = record.body as { input_file_id?: string; metadata?: Record<string, string> } | undefined;
      const input = body?.input_file_id && !deleted.has(body.input_file_id) ? files.get(body.input_file_id) : undefined;
      if (!input) return json(res, 400, { error: { message: 'input_file_id not found', type: 'invalid_request_error' } }), true;
      const lines = input.content.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { custom_id: string; body: FakeChatBody });
      const batch: FakeBatch = { id: nextId('batch'), input_file_id: input.id, metadata: body?.metadata ?? {}, status: 'in_progress', created_at: now(), output_file_id: null, error_file_id: null, done: 0, failed: 0, lines, output: [], errors: [], expireAfter: expireAt };
      batches.set(batch.id, batch);
      if (hang.delete('create')) return true;
      return json(res, 200, batchJson(batch)), true;
    }
    if (record.method === 'GET' && !id) {
      return json(res, 200, { object: 'list', data: [...batches.values()].reverse().map(batchJson), has_more: false }), true;
    }
    const batch = id ? batches.get(id) : undefined;
    if (!batch) return notFound(), true;
    if (record.method === 'POST' && action === 'cancel') {
      if (batch.status === 'in_progress') batch.status = 'cancelling';
      return json(res, 200, batchJson(batch)), true;
    }
    if (batch.status === 'cancelling') finish(batch, 'cancelled');
    else if (batch.status === 'in_progress' && !held) advance(batch, perPoll ?? batch.lines.length);
    return json(res, 200, batchJson(batch)), true;
  }

  return {
    files,
    deleted,
    batches,
    lines: () => [...files.values()].filter((f) => f.purpose === 'batch').flatMap((f) => f.content.split('\n').filter((l) => l.trim() !== '').map((l) => ({ ...(JSON.parse(l) as { custom_id: string; body: FakeChatBody }), file: f.id }))),
    hold: (on) => void (held = on),
    answerPerPoll: (n) => void (perPoll = n),
    onLine: (h) => void (lineHandler = h),
    expireAfter: (n) => void (expireAt = n),
    hangNext: (what) => void hang.add(what),
    failDeletes: (status) => void (deleteStatus = status),
    reset: () => {
      files.clear();
      deleted.clear();
      deleteStatus = null;
      batches.clear();
      held = false;
      perPoll = null;
      lineHandler = null;
      expireAt = null;
      hang.clear();
    },
    handle,
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
