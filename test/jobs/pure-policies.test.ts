/**
 * The pure parts of the jobs domain, tested directly: progress arithmetic and messages,
 * the whole-job retry delay, chain templating, document normalisation and chunking, and
 * input validation with its error paths.
 */
import { AiError, countTokens } from '../../src/ai/index.js';
import type { StepDoc } from '../../src/db/jobs/docs.js';
import { AppError } from '../../src/errors/index.js';
import { toJobError } from '../../src/jobs/run/job-error.js';
import { jobRetryDelayMs } from '../../src/jobs/run/retrying.js';
import { validateJobInput } from '../../src/jobs/pipelines/input-validation.js';
import { checkJsonLimits, jsonDepth } from '../../src/jobs/commands/input-limits.js';
import { InvalidJobInputError } from '../../src/jobs/pipelines/kind.js';
import { chainPipeline } from '../../src/jobs/pipelines/chain.pipeline.js';
import { documentAnalyzePipeline } from '../../src/jobs/pipelines/document-analyze.pipeline.js';
import { chunkBudget, documentChunks, normaliseText } from '../../src/jobs/pipelines/document-text.js';
import { malformedPlaceholders, renderTemplate, templateRefs } from '../../src/jobs/pipelines/template.js';
import { batchProgressMessage, jobProgress, makeProgress } from '../../src/jobs/lifecycle/progress.js';
import { prose } from './jobs-harness.js';

function step(index: number, name: string, status: StepDoc['status'], progress: StepDoc['progress'] = null): StepDoc {
  return {
    index,
    name,
    status,
    message: null,
    progress,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    output: null,
    error: null,
    usage: { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 },
  };
}

describe('progress', () => {
  it('makeProgress computes a percent rounded to two decimals and caps it at 100', () => {
    expect(makeProgress(1, 3, 'x')).toEqual({ completed: 1, total: 3, percent: 33.33, message: 'x' });
    expect(makeProgress(5, 4, null).percent).toBe(100);
    expect(makeProgress(0, 0, null).percent).toBe(0);
  });

  it("jobProgress names the running step and its unit, like 'Step 2 of 4: summarising chunk 3 of 7'", () => {
    const steps = [
      step(0, 'prepare', 'SUCCEEDED'),
      step(1, 'summarize', 'RUNNING', makeProgress(2, 7, 'Summarising chunk 3 of 7')),
      step(2, 'combine', 'PENDING'),
      step(3, 'extract', 'PENDING'),
    ];
    const p = jobProgress(steps);
    expect(p.message).toBe('Step 2 of 4: summarising chunk 3 of 7');
    expect(p.completed).toBe(1);
    expect(p.total).toBe(4);
    // One step done plus 2/7 of the running one.
    expect(p.percent).toBeCloseTo(((1 + 2 / 7) / 4) * 100, 1);
  });

  it('jobProgress falls back to the step name, and a final message wins', () => {
    const steps = [step(0, 'prepare', 'RUNNING'), step(1, 'summarize', 'PENDING')];
    expect(jobProgress(steps).message).toBe('Step 1 of 2: prepare');
    expect(jobProgress(steps, 'Queued').message).toBe('Queued');
    const done = [step(0, 'a', 'SUCCEEDED'), step(1, 'b', 'SKIPPED')];
    expect(jobProgress(done)).toEqual({ completed: 2, total: 2, percent: 100, message: null });
  });

  it('batchProgressMessage reads like the seed', () => {
    expect(batchProgressMessage(23, 50)).toBe('Analysed 23 of 50 documents');
  });
});

describe('job errors and the whole-job retry delay', () => {
  it('jobRetryDelayMs grows exponentially with full jitter between base/2 and the cap', () => {
    expect(jobRetryDelayMs(1, 1000, () => 0)).toBe(500);
    expect(jobRetryDelayMs(1, 1000, () => 1 - 1e-12)).toBe(1000);
    expect(jobRetryDelayMs(2, 1000, () => 1 - 1e-12)).toBe(2000);
    expect(jobRetryDelayMs(3, 1000, () => 1 - 1e-12)).toBe(4000);
    expect(jobRetryDelayMs(3, 1000, () => 0)).toBe(500);
    // The exponent is capped, so a high attempt number cannot overflow into absurd delays.
    expect(jobRetryDelayMs(50, 1000, () => 1 - 1e-12)).toBe(1000 * 2 ** 10);
    for (let attempt = 1; attempt <= 5; attempt++) {
      for (let i = 0; i < 50; i++) {
        const d = jobRetryDelayMs(attempt, 200);
        expect(d).toBeGreaterThanOrEqual(100);
        expect(d).toBeLessThanOrEqual(200 * 2 ** (attempt - 1));
      }
    }
  });

  it('toJobError keeps an AiError code and retryability, makes bad input final and bugs retryable', () => {
    const ai = toJobError(new AiError('RATE_LIMITED', 'slow down', { retryable: true }), 'summarize');
    expect(ai).toMatchObject({ code: 'RATE_LIMITED', message: 'slow down', retryable: true, step: 'summarize' });
    expect(ai.at).toBeInstanceOf(Date);
    expect(toJobError(new InvalidJobInputError('bad'), 'a')).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(toJobError(new Error('boom'), null)).toMatchObject({ code: 'INTERNAL', retryable: true, step: null });
  });
});

describe('chain templates', () => {
  it('finds references, allowing spaces inside the braces', () => {
    expect(templateRefs('Hi {{variables.name}}, see {{ steps.first }}')).toEqual([
      { scope: 'variables', name: 'name' },
      { scope: 'steps', name: 'first' },
    ]);
  });

  it('renders strings as they are and other values as JSON; unknown names as empty', () => {
    const out = renderTemplate('{{variables.a}}|{{variables.n}}|{{steps.s}}|{{variables.missing}}', { a: 'x', n: 3 }, { s: { k: [1] } });
    expect(out).toBe('x|3|{"k":[1]}|');
  });

  it('reports placeholders that are neither variables nor steps', () => {
    expect(malformedPlaceholders('{{foo}} {{variables.ok}} {{steps.}} {{ input.x }}')).toEqual(['{{foo}}', '{{steps.}}', '{{ input.x }}']);
    expect(malformedPlaceholders('no braces {single}')).toEqual([]);
  });
});

describe('document text', () => {
  it('normalises line endings, control characters, trailing blanks and runs of blank lines', () => {
    expect(normaliseText('  a\r\nb \t\r\n\n\n\nc\u0000d\u0007  ')).toBe('a\nb\n\ncd');
  });

  it('keeps room for the prompt and headroom in the chunk budget, never below 64', () => {
    expect(chunkBudget(1000)).toBe(180);
    expect(chunkBudget(8192)).toBe(Math.floor((8192 - 800) * 0.9));
    expect(chunkBudget(256)).toBe(64);
  });

  it('splits a long document into chunks that fit and lose nothing', () => {
    const text = prose('unit', 60);
    const chunks = documentChunks(text, 1000);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(countTokens(c)).toBeLessThanOrEqual(chunkBudget(1000));
    expect(chunks.join('')).toBe(normaliseText(text));
    // Deterministic: a resumed job recomputes exactly the same chunks.
    expect(documentChunks(text, 1000)).toEqual(chunks);
  });

  it('keeps a short document in one chunk', () => {
    expect(documentChunks('One short note.', 8192)).toEqual(['One short note.']);
  });
});

describe('input validation', () => {
  const limits = { maxDocumentBytes: 100, maxChainSteps: 2 };

  function badPath(fn: () => unknown): { path: unknown; message: string } {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('BAD_USER_INPUT');
      return { path: (err as AppError).path, message: (err as AppError).message };
    }
    throw new Error('expected BAD_USER_INPUT');
  }
  const base = ['input', 'input'];

  it('accepts valid inputs of both kinds', () => {
    expect(validateJobInput(documentAnalyzePipeline, { text: 'hello' }, base, limits)).toEqual({ text: 'hello' });
    const chain = { steps: [{ name: 'a', prompt: 'x {{variables.v}}' }, { name: 'b', prompt: '{{steps.a}}' }], variables: { v: 1 } };
    expect(validateJobInput(chainPipeline, chain, base, limits)).toBe(chain);
  });

  it('names the path of schema violations', () => {
    expect(badPath(() => validateJobInput(documentAnalyzePipeline, {}, base, limits)).path).toEqual([...base, 'text']);
    expect(badPath(() => validateJobInput(documentAnalyzePipeline, { text: 5 }, base, limits)).path).toEqual([...base, 'text']);
    expect(badPath(() => validateJobInput(documentAnalyzePipeline, { text: 'x', extra: 1 }, base, limits)).path).toEqual([...base, 'extra']);
    expect(badPath(() => validateJobInput(chainPipeline, { steps: [{ name: 'a', prompt: 1 }] }, base, limits)).path).toEqual([
      ...base,
      'steps',
      0,
      'prompt',
    ]);
    expect(badPath(() => validateJobInput(chainPipeline, { steps: [{ name: 'bad name', prompt: 'x' }] }, base, limits)).path).toEqual([
      ...base,
      'steps',
      0,
      'name',
    ]);
  });

  it("names the path of a kind's own limits and references", () => {
    expect(badPath(() => validateJobInput(documentAnalyzePipeline, { text: 'x'.repeat(101) }, base, limits)).path).toEqual([...base, 'text']);
    expect(badPath(() => validateJobInput(documentAnalyzePipeline, { text: ' \n\t ' }, base, limits)).path).toEqual([...base, 'text']);
    const three = { steps: ['a', 'b', 'c'].map((name) => ({ name, prompt: 'p' })) };
    expect(badPath(() => validateJobInput(chainPipeline, three, base, limits)).path).toEqual([...base, 'steps']);
    const forward = { steps: [{ name: 'a', prompt: '{{steps.b}}' }, { name: 'b', prompt: 'p' }] };
    expect(badPath(() => validateJobInput(chainPipeline, forward, base, limits))).toEqual({
      path: [...base, 'steps', 0, 'prompt'],
      message: expect.stringContaining('{{steps.b}} does not name an earlier step'),
    });
    const dup = { steps: [{ name: 'a', prompt: 'p' }, { name: 'a', prompt: 'q' }] };
    expect(badPath(() => validateJobInput(chainPipeline, dup, base, limits)).path).toEqual([...base, 'steps', 1, 'name']);
    const sys = { steps: [{ name: 'a', prompt: 'p', system: '{{variables.nope}}' }] };
    expect(badPath(() => validateJobInput(chainPipeline, sys, base, limits)).path).toEqual([...base, 'steps', 0, 'system']);
  });

  it('measures JSON depth and size', () => {
    expect(jsonDepth(1, 10)).toBe(0);
    expect(jsonDepth({}, 10)).toBe(1);
    expect(jsonDepth({ a: [{ b: 1 }] }, 10)).toBe(3);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(jsonDepth(deep, 5)).toBeGreaterThan(5);
    expect(badPath(() => checkJsonLimits(deep, ['input', 'input'], { maxDepth: 5, maxBytes: 1e6 })).path).toEqual(['input', 'input']);
    expect(badPath(() => checkJsonLimits({ s: 'x'.repeat(50) }, ['input', 'metadata'], { maxDepth: 5, maxBytes: 20 })).path).toEqual([
      'input',
      'metadata',
    ]);
    expect(() => checkJsonLimits({ a: { b: {} } }, ['x'], { maxDepth: 3, maxBytes: 100 })).not.toThrow();
  });
});
