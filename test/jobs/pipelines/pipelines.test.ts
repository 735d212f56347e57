/**
 * The two pipelines against the fake OpenAI server. document.analyze: a document longer
 * than the context window (AI_CONTEXT_TOKENS=1000) is split into chunks that each fit;
 * each chunk is summarised exactly once (counted at the fake by the chunk's text),
 * progress names the chunk, the summaries are combined and analysed into the contract's
 * result, and invalid JSON from the model is repaired once. chain: templating between
 * steps and JSON outputs.
 */
import { countTokens } from '../../../src/ai/index.js';
import { chunkBudget, documentChunks } from '../../../src/jobs/pipelines/document-text.js';
import type { TestApp } from '../../support/app.js';
import { fakeErrors, type FakeOpenAi } from '../../support/fake-openai.js';
import { useFakeOpenAiApp } from '../../support/fake-openai-app.js';
import { pollUntil } from '../../support/eventually.js';
import {
  getEvents,
  isCombine,
  isExtract,
  isSummarize,
  prose,
  ReplyRouter,
  submitChain,
  submitDocument,
  systemOf,
  userOf,
  waitForStatus,
  withPrompt,
} from '../jobs-harness.js';

const CONTEXT = 1000;

const started = useFakeOpenAiApp({ env: { AI_CONTEXT_TOKENS: String(CONTEXT) } });
let fake: FakeOpenAi;
let app: TestApp;

beforeAll(() => {
  ({ fake, app } = started);
});

test('a long document is split into chunks that fit, each summarised exactly once, with per-chunk progress', async () => {
  const text = prose('long', 50);
  const chunks = documentChunks(text, CONTEXT);
  expect(chunks.length).toBeGreaterThanOrEqual(4);

  const id = await submitDocument(app, text);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000);
  expect(job.status).toBe('SUCCEEDED');

  // Every chunk was sent once, alone, and fits the budget; nothing of the text was left out.
  const summarize = fake.requestsMatching(isSummarize);
  expect(summarize).toHaveLength(chunks.length);
  const sent = summarize.map(userOf);
  for (const chunk of chunks) expect(sent.filter((s) => s === chunk)).toHaveLength(1);
  for (const s of sent) expect(countTokens(s)).toBeLessThanOrEqual(chunkBudget(CONTEXT));
  for (let i = 0; i < 50; i++) expect(sent.filter((s) => s.includes(`Sentence long-${i} `))).toHaveLength(1);
  expect(fake.requestsMatching(isCombine).length).toBeGreaterThanOrEqual(1);
  expect(fake.requestsMatching(isExtract)).toHaveLength(1);

  // The result has the contract's shape.
  expect(job.result).toMatchObject({
    summary: expect.any(String),
    keyPoints: expect.any(Array),
    topics: expect.any(Array),
    sentiment: 'neutral',
    entities: [],
    chunks: chunks.length,
    model: 'gpt-4o-mini',
  });
  expect(job.result.offline).toBeUndefined();
  const [prepare, summarizeStep] = job.steps;
  expect(JSON.parse(JSON.stringify(prepare.output))).toMatchObject({ chunks: chunks.length, chunkBudget: chunkBudget(CONTEXT) });
  expect(summarizeStep.progress).toMatchObject({ completed: chunks.length, total: chunks.length, percent: 100 });
  expect(summarizeStep.usage.calls).toBe(chunks.length);
  expect(job.usage.calls).toBe(fake.requests.length);
  expect(job.usage.totalTokens).toBeGreaterThan(0);

  // Progress, as the events recorded it: the step's own message and the job's.
  const events = await getEvents(app, id);
  const progress = events.filter((e) => e.type === 'STEP_PROGRESS');
  const n = chunks.length;
  for (let i = 1; i <= n; i++) {
    expect(progress.some((e) => e.step?.message === `Summarising chunk ${i} of ${n}`)).toBe(true);
    expect(progress.some((e) => e.message === `Step 2 of 4: summarising chunk ${i} of ${n}`)).toBe(true);
    expect(progress.some((e) => e.progress.message === `Step 2 of 4: summarising chunk ${i} of ${n}`)).toBe(true);
  }
  // Job progress only grows while the job runs.
  const percents = events.map((e) => e.progress.percent);
  for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1]);
  expect(events[events.length - 1]).toMatchObject({ type: 'SUCCEEDED', progress: { completed: 4, total: 4, percent: 100 } });
});

test('a short document is one chunk: summarised once, nothing to combine', async () => {
  fake.reset();
  const id = await submitDocument(app, 'A short memo. The budget is approved.');
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(job.result.chunks).toBe(1);
  expect(fake.requestsMatching(isSummarize)).toHaveLength(1);
  expect(fake.requestsMatching(isCombine)).toHaveLength(0);
  expect(job.result.summary).toBe('fake answer: A short memo.');
  // Its paid answers were kept only to resume it; a finished job drops them (with the rest of
  // what finishing owes, a moment after the terminal event).
  await pollUntil(() => app.db.db.collection('job_checkpoints').countDocuments({ jobId: id }), (n) => n === 0, 10_000, 50);
});

test('a chunk that still exceeds the context is split once more, each part summarised once', async () => {
  fake.reset();
  const router = new ReplyRouter(fake);
  const text = prose('halves', 20);
  const chunks = documentChunks(text, CONTEXT);
  router.on(chunks[0]!, [fakeErrors.contextLengthExceeded()]);
  const id = await submitDocument(app, text);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000);
  expect(job.status).toBe('SUCCEEDED');

  const sent = fake.requestsMatching(isSummarize).map(userOf);
  expect(sent.filter((s) => s === chunks[0])).toHaveLength(1);
  // Split at half its token count (packing may leave a small third part), each part once.
  const parts = sent.filter((s) => s !== chunks[0] && chunks[0]!.includes(s));
  expect(parts.length).toBeGreaterThanOrEqual(2);
  expect(parts.join('')).toBe(chunks[0]);
  expect(new Set(parts).size).toBe(parts.length);
  for (const chunk of chunks.slice(1)) expect(sent.filter((s) => s === chunk)).toHaveLength(1);
  expect(job.result.chunks).toBe(chunks.length);
});

describe('extract: JSON from the model', () => {
  test('an invalid answer is repaired once', async () => {
    fake.reset();
    fake.onRequest((req) => (isExtract(req) ? { text: 'Sure! Here are the facts: key points…' } : undefined));
    const id = await submitDocument(app, 'Repair me. The answer was prose.');
    const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
    fake.onRequest(null);
    expect(job.status).toBe('SUCCEEDED');
    const repairs = fake.requestsMatching((r) => systemOf(r).includes('You fix malformed JSON'));
    expect(repairs).toHaveLength(1);
    expect(userOf(repairs[0]!)).toContain('Sure! Here are the facts');
    expect(job.result).toMatchObject({ keyPoints: expect.any(Array), sentiment: 'neutral', entities: [] });
    expect(job.steps[3].usage.calls).toBe(2);
  });

  test('a second invalid answer fails the job without a retry (PROVIDER_ERROR)', async () => {
    fake.reset();
    fake.onRequest((req) => (isExtract(req) || systemOf(req).includes('You fix malformed JSON') ? { text: '{"keyPoints": "not a list"}' } : undefined));
    const id = await submitDocument(app, 'Broken twice. Still prose.', { maxAttempts: 3 });
    const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
    fake.onRequest(null);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false, step: 'extract' });
    expect(job.attempt).toBe(1);
    expect(fake.requestsMatching(isExtract)).toHaveLength(1);
  });
});

test('chain: variables and earlier outputs fill the prompts; json steps are parsed', async () => {
  fake.reset();
  const router = new ReplyRouter(fake);
  router.on('Name a colour', [{ text: 'teal' }]).on('Describe', [{ text: '{"colour": "teal", "warm": false}' }]);
  const id = await submitChain(
    app,
    [
      { name: 'pick', prompt: 'Name a colour for {{variables.thing}}.', system: 'You are {{variables.persona}}.' },
      { name: 'describe', prompt: 'Describe {{steps.pick}} for {{variables.thing}}.', json: true },
      { name: 'echo', prompt: 'Echo {{steps.describe}}' },
    ],
    { variables: { thing: 'a kettle', persona: 'a designer' } },
  );
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(job.status).toBe('SUCCEEDED');
  const [pick] = withPrompt(fake, 'Name a colour');
  expect(userOf(pick!)).toBe('Name a colour for a kettle.');
  expect(systemOf(pick!)).toBe('You are a designer.');
  const [describe] = withPrompt(fake, 'Describe');
  expect(userOf(describe!)).toContain('Describe teal for a kettle.');
  expect(describe!.body?.response_format).toEqual({ type: 'json_object' });
  expect(userOf(withPrompt(fake, 'Echo')[0]!)).toBe('Echo {"colour":"teal","warm":false}');
  expect(job.result).toEqual({
    outputs: { pick: 'teal', describe: { colour: 'teal', warm: false }, echo: 'fake answer: Echo {"colour":"teal","warm":false}' },
    final: 'fake answer: Echo {"colour":"teal","warm":false}',
  });
  expect(job.steps[1].output).toEqual({ colour: 'teal', warm: false });
});

test("chain: each transition's events tell the job as it stood then, though the attempt's start goes with its first step's and the last step's end with the job's", async () => {
  fake.reset();
  const id = await submitChain(app, [
    { name: 'first', prompt: 'One thing' },
    { name: 'second', prompt: 'Another thing' },
  ]);
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(job.status).toBe('SUCCEEDED');
  const events = await getEvents(app, id);
  expect(events.map((e) => [e.sequence, e.type, e.step?.name ?? null])).toEqual([
    [1, 'QUEUED', null],
    [2, 'STARTED', null],
    [3, 'STEP_STARTED', 'first'],
    [4, 'STEP_SUCCEEDED', 'first'],
    [5, 'STEP_STARTED', 'second'],
    [6, 'STEP_SUCCEEDED', 'second'],
    [7, 'SUCCEEDED', null],
  ]);
  const progress = events.map((e) => [e.progress.completed, e.progress.percent, e.progress.message]);
  expect(progress).toEqual([
    [0, 0, 'Queued'],
    // STARTED: the attempt began, no step running yet.
    [0, 0, null],
    [0, 0, 'Step 1 of 2: first'],
    [1, 50, null],
    [1, 50, 'Step 2 of 2: second'],
    // The last step done, the job not yet finished: then SUCCEEDED.
    [2, 100, null],
    [2, 100, 'Completed'],
  ]);
  // Saved with the job's end: both steps succeeded; the answers kept for resuming go with the
  // rest of what finishing owes, a moment after the terminal event.
  expect(job.steps.map((s: { status: string }) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  await pollUntil(() => app.db.db.collection('job_checkpoints').countDocuments({ jobId: id }), (n) => n === 0, 10_000, 50);
});
