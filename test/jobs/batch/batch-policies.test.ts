/**
 * The Batch API path's parts on their own: which waiting lines go into files now (a pure
 * function), reading output and error lines, the batch rate in prices, which files of a done
 * batch are deleted and how often a failed delete is tried, and one round at a time for the
 * fleet (real FerretDB: two processes' worth of round-takers racing).
 */
import { AiError, AiErrorCode, readBatchLines, costUsd, BATCH_TIER, type ProviderBatch } from '../../../src/ai/index.js';
import { DEFAULT_PRICES } from '../../../src/config/index.js';
import { BatchRoundsRepository } from '../../../src/db/jobs/index.js';
import { afterFailedDelete, FILE_DELETE_TRIES, filesOf } from '../../../src/jobs/batch/batch-files.js';
import { FleetRounds } from '../../../src/jobs/batch/fleet-round.js';
import { MAX_GATHER_WINDOWS, planBatches, type WaitingLine } from '../../../src/jobs/batch/index.js';
import { createTestDb, type TestDb } from '../../support/db.js';

const T0 = new Date('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const line = (id: string, model: string, createdMs: number, extra: Partial<WaitingLine> = {}): WaitingLine => ({
  _id: id,
  jobId: `job-${id}`,
  key: 'summarize/chunk-0',
  attempt: 1,
  tries: 1,
  model,
  bytes: 100,
  createdAt: at(createdMs),
  deadline: null,
  ...extra,
});
const limits = { gatherWaitMs: 1_000, maxLines: 3, maxBytes: 1_000 };
const ids = (plan: ReturnType<typeof planBatches>) => plan.files.map((f) => [f.model, f.lines.map((l) => l._id)]);

describe('planBatches', () => {
  test('a model whose newest line waited the gather window goes, oldest first, in files within the line limit', () => {
    const lines = [line('c', 'm', 300), line('a', 'm', 100), line('b', 'm', 200), line('d', 'm', 400)];
    expect(ids(planBatches(lines, at(1_400), limits))).toEqual([
      ['m', ['a', 'b', 'c']],
      ['m', ['d']],
    ]);
  });

  test('while lines keep joining, only full files go; the rest waits, up to ten windows after its oldest line', () => {
    const lines = [line('a', 'm', 0), line('b', 'm', 100), line('c', 'm', 200), line('d', 'm', 900)];
    expect(ids(planBatches(lines, at(1_000), limits))).toEqual([['m', ['a', 'b', 'c']]]);
    expect(ids(planBatches([line('x', 'm', 0), line('y', 'm', MAX_GATHER_WINDOWS * 1_000 - 500)], at(MAX_GATHER_WINDOWS * 1_000 - 1), limits))).toEqual([]);
    expect(ids(planBatches([line('x', 'm', 0), line('y', 'm', MAX_GATHER_WINDOWS * 1_000 - 500)], at(MAX_GATHER_WINDOWS * 1_000), limits))).toEqual([['m', ['x', 'y']]]);
  });

  test('one model per file; the byte limit cuts files too', () => {
    const lines = [line('a', 'big', 0, { bytes: 600 }), line('b', 'big', 10, { bytes: 600 }), line('c', 'small', 20)];
    expect(ids(planBatches(lines, at(5_000), limits))).toEqual([
      ['big', ['a']],
      ['big', ['b']],
      ['small', ['c']],
    ]);
  });

  test('a line past its deadline is never sent', () => {
    const plan = planBatches([line('late', 'm', 0, { deadline: at(500) }), line('ok', 'm', 0, { deadline: at(9_000) })], at(2_000), limits);
    expect(ids(plan)).toEqual([['m', ['ok']]]);
    expect(plan.late.map((l) => l._id)).toEqual(['late']);
  });
});

describe('reading batch output and error files', () => {
  const answer = (id: string, content: string) =>
    JSON.stringify({
      id: 'r1',
      custom_id: id,
      response: { status_code: 200, body: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } } },
      error: null,
    });

  test('answers, failures classified by the AI error policy, and lines never processed', () => {
    const jsonl = [
      answer('a', 'Hello'),
      JSON.stringify({ custom_id: 'b', response: { status_code: 429, body: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } } }, error: null }),
      JSON.stringify({ custom_id: 'c', response: { status_code: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' } } } }),
      JSON.stringify({ custom_id: 'd', response: null, error: { code: 'batch_expired', message: 'expired' } }),
      'not json',
      JSON.stringify({ response: null }),
      '',
    ].join('\n');
    const out = readBatchLines(jsonl, 'gpt-4o-mini');
    expect(out.map((o) => [o.customId, o.kind])).toEqual([
      ['a', 'answer'],
      ['b', 'failed'],
      ['c', 'failed'],
      ['d', 'unanswered'],
    ]);
    const [a, b, c] = out;
    expect(a!.kind === 'answer' && a!.completion).toMatchObject({ text: 'Hello', model: 'gpt-4o-mini-2024-07-18', usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } });
    expect(b!.kind === 'failed' && b!.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(c!.kind === 'failed' && c!.error).toMatchObject({ code: 'CONTEXT_LENGTH_EXCEEDED', retryable: false });
  });

  test('a refusal in an answer is a failure that is not retried', () => {
    const refusal = JSON.stringify({
      custom_id: 'r',
      response: { status_code: 200, body: { model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help' }, finish_reason: 'stop' }] } },
    });
    expect(readBatchLines(refusal, 'm')[0]).toMatchObject({ kind: 'failed', error: { code: 'CONTENT_POLICY', retryable: false } });
  });
});

test('a batch answer is priced at the batch rate, half the standard one', () => {
  const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedPromptTokens: 0 };
  expect(costUsd('gpt-4o-mini-2024-07-18', usage, DEFAULT_PRICES, BATCH_TIER)).toBeCloseTo(0.375, 9);
  expect(costUsd('gpt-4o-mini', usage, DEFAULT_PRICES, null)).toBeCloseTo(0.75, 9);
  // A model without batch rates pays its default rate.
  expect(costUsd('x', usage, { x: { input: 1, output: 2 } }, BATCH_TIER)).toBe(3);
});

describe("a done batch's files at the provider", () => {
  const batch = (files: Partial<ProviderBatch>): ProviderBatch => ({
    id: 'batch-1',
    status: 'completed',
    inputFileId: 'file-in',
    outputFileId: null,
    errorFileId: null,
    counts: { total: 1, completed: 1, failed: 0 },
    metadata: {},
    createdAt: T0,
    ...files,
  });

  test('its input, output and error files are deleted, those it has', () => {
    expect(filesOf(batch({ outputFileId: 'file-out', errorFileId: 'file-err' }))).toEqual([
      { id: 'file-in', tries: 0 },
      { id: 'file-out', tries: 0 },
      { id: 'file-err', tries: 0 },
    ]);
    expect(filesOf(batch({ status: 'failed' }))).toEqual([{ id: 'file-in', tries: 0 }]);
  });

  test('a transient failure is tried again in later rounds, up to FILE_DELETE_TRIES tries; any other failure gives up at once', () => {
    const serverError = new AiError(AiErrorCode.PROVIDER_ERROR, 'AI provider error: 500', { retryable: true, status: 500 });
    const forbidden = new AiError(AiErrorCode.PROVIDER_ERROR, 'AI provider error: 403', { retryable: false, status: 403 });
    expect(afterFailedDelete({ id: 'f', tries: 0 }, serverError)).toEqual({ id: 'f', tries: 1 });
    expect(afterFailedDelete({ id: 'f', tries: FILE_DELETE_TRIES - 2 }, serverError)).toEqual({ id: 'f', tries: FILE_DELETE_TRIES - 1 });
    expect(afterFailedDelete({ id: 'f', tries: FILE_DELETE_TRIES - 1 }, serverError)).toBeNull();
    expect(afterFailedDelete({ id: 'f', tries: 0 }, forbidden)).toBeNull();
    expect(afterFailedDelete({ id: 'f', tries: 0 }, new Error('not an AiError'))).toBeNull();
  });
});

describe('one batch round at a time for the fleet', () => {
  let db: TestDb;
  beforeAll(async () => void (db = await createTestDb('rounds')));
  afterAll(async () => db?.close());

  test('of racing workers one takes each round; the next waits for its end plus the interval, or for its holder to fall silent', async () => {
    let now = T0;
    const repo = new BatchRoundsRepository(db.db);
    const fleet = ['w1', 'w2', 'w3', 'w4'].map((owner) => new FleetRounds(repo, { owner, leaseMs: 10_000, everyMs: 1_000, now: () => now }));
    const first = (await Promise.all(fleet.map((f) => f.tryStart()))).filter((r) => r !== null);
    expect(first.map((r) => r!.n)).toEqual([1]);
    // Running: nobody else starts one.
    expect((await Promise.all(fleet.map((f) => f.tryStart()))).filter(Boolean)).toEqual([]);
    await first[0]!.finish();
    now = at(999);
    expect((await Promise.all(fleet.map((f) => f.tryStart()))).filter(Boolean)).toEqual([]);
    now = at(1_000);
    const second = (await Promise.all(fleet.map((f) => f.tryStart()))).filter((r) => r !== null);
    expect(second.map((r) => r!.n)).toEqual([2]);
    expect(await second[0]!.stillCurrent()).toBe(true);
    // Its holder dies (no beat, never done): after the lease another takes round 3, and round 2 knows it was overtaken.
    now = at(1_000 + 10_000);
    const third = (await Promise.all(fleet.map((f) => f.tryStart()))).filter((r) => r !== null);
    expect(third.map((r) => r!.n)).toEqual([3]);
    expect(await second[0]!.stillCurrent()).toBe(false);
    await second[0]!.finish();
    await third[0]!.finish();
    // A process started later finds where the fleet is from the hint.
    now = at(20_000);
    const late = new FleetRounds(repo, { owner: 'w5', leaseMs: 10_000, everyMs: 1_000, now: () => now });
    const fourth = await late.tryStart();
    expect(fourth?.n).toBe(4);
    await fourth?.finish();
  });
});
