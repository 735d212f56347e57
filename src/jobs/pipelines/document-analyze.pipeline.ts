/**
 * `document.analyze`: read (only for a `file` reference: fetch it and extract its text),
 * prepare (normalise, count, chunk to fit the context window), summarize (one call per
 * chunk, progress per chunk), combine (one summary), extract (key points, topics,
 * sentiment, entities as validated JSON, repaired once if needed), and with `review`, a
 * `review` step: a person approves, edits or rejects the analysis before it becomes the result.
 */
import { AiError, countTokens, splitIntoChunks } from '../../ai/index.js';
import { offlineNotice, type Pipeline, type PipelineStep, type StepContext } from './kind.js';
import { chunkBudget, documentChunks, normaliseText } from './document-text.js';
import { checkExtraction, type Extraction } from './extraction.js';
import { parseOrRepairJson } from './json-output.js';
import { fileRefSchema, type FileRef, type ReadFile } from './files.js';
import { fileFacts, READ_STEP, readFileStep } from './read-step.js';
import { DEFAULT_REVIEW_KEY, reviewOptionProblems, reviewOptionsSchema, reviewRequestOf, type ReviewOptions } from './review-options.js';

/** Exactly one of `text` and `file`. */
export interface DocumentAnalyzeInput {
  name?: string;
  text?: string;
  file?: FileRef;
  instructions?: string;
  review?: ReviewOptions;
}

type Ctx = StepContext<DocumentAnalyzeInput>;

export const documentAnalyzeInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 500 },
    text: { type: 'string', minLength: 1, description: 'The document; split into chunks that fit the model, never cut off. Give this or file.' },
    file: { ...fileRefSchema, description: `The document as a file, read by a first step \`read\` (PDF, .docx, HTML, Markdown, plain text). Give this or text. ${fileRefSchema.description}` },
    instructions: { type: 'string', maxLength: 4000, description: "Extra guidance, e.g. 'focus on risks'." },
    review: reviewOptionsSchema,
  },
} as const;

/** The file as read by the `read` step, when the input names one. */
const readFile = (ctx: Ctx): ReadFile | undefined => ctx.outputs[READ_STEP] as ReadFile | undefined;

/** The document's text: given, or extracted from its file by `read`. */
const documentText = (ctx: Ctx): string => readFile(ctx)?.text ?? ctx.input.text ?? '';

/**
 * The system prompt, shared part first: the task and the batch's instructions are the same
 * for every document of a batch, so the provider's prompt cache serves them (with the
 * kind's `prompt_cache_key`); what differs per document, its name, comes last.
 */
const system = (ctx: Ctx, task: string): string => {
  const name = ctx.input.name ?? readFile(ctx)?.name;
  return [
    `You analyse documents. ${task}`,
    ctx.input.instructions ? `Follow these instructions from the user: ${ctx.input.instructions}` : '',
    name ? `The document is "${name}".` : '',
  ]
    .filter(Boolean)
    .join('\n');
};

const readStep = readFileStep<DocumentAnalyzeInput>((input) => input.file!);

const prepare: PipelineStep<DocumentAnalyzeInput> = {
  name: 'prepare',
  async run(ctx) {
    const text = normaliseText(documentText(ctx));
    const chunks = documentChunks(documentText(ctx), ctx.contextTokens);
    return {
      characters: text.length,
      tokens: countTokens(text),
      chunks: chunks.length,
      chunkTokens: chunks.map(countTokens),
      chunkBudget: chunkBudget(ctx.contextTokens),
    };
  },
};

async function summariseChunk(ctx: Ctx, key: string, chunk: string, splitOnce: boolean): Promise<string> {
  try {
    const answer = await ctx.complete(key, {
      messages: [
        { role: 'system', content: system(ctx, 'Summarise the given part of a document faithfully and concisely.') },
        { role: 'user', content: chunk },
      ],
    });
    return answer.text.trim();
  } catch (err) {
    // The tokenizer's count is an estimate for other models: halve the chunk once.
    if (!(err instanceof AiError && err.code === 'CONTEXT_LENGTH_EXCEEDED') || !splitOnce) throw err;
    const halves = splitIntoChunks(chunk, Math.max(1, Math.ceil(countTokens(chunk) / 2)));
    const parts: string[] = [];
    for (const [i, half] of halves.entries()) parts.push(await summariseChunk(ctx, `${key}/part-${i}`, half, false));
    return parts.join('\n');
  }
}

const summarize: PipelineStep<DocumentAnalyzeInput> = {
  name: 'summarize',
  async run(ctx) {
    const chunks = documentChunks(documentText(ctx), ctx.contextTokens);
    // Through the provider's batch the chunks go together: one batch for all, not one after another.
    if (ctx.executionMode === 'BATCH') {
      const summaries = await Promise.all(chunks.map((chunk, i) => summariseChunk(ctx, `chunk-${i}`, chunk, true)));
      return { summaries };
    }
    const summaries: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      await ctx.progress(i, chunks.length, `Summarising chunk ${i + 1} of ${chunks.length}`);
      summaries.push(await summariseChunk(ctx, `chunk-${i}`, chunk, true));
    }
    await ctx.progress(chunks.length, chunks.length, `Summarised ${chunks.length} of ${chunks.length} chunks`);
    return { summaries };
  },
};

/** Merges summaries, in groups that fit the context window, until one remains. */
const combine: PipelineStep<DocumentAnalyzeInput> = {
  name: 'combine',
  async run(ctx) {
    let parts = (ctx.outputs.summarize as { summaries: string[] }).summaries;
    if (parts.length === 1) return { summary: parts[0]! };
    const budget = chunkBudget(ctx.contextTokens);
    for (let round = 0; parts.length > 1; round++) {
      const groups = groupToFit(parts, budget);
      const combineGroup = async (group: string[], g: number): Promise<string> => {
        const answer = await ctx.complete(`round-${round}/group-${g}`, {
          messages: [
            { role: 'system', content: system(ctx, 'Combine these partial summaries of one document, in order, into one coherent summary.') },
            { role: 'user', content: group.map((s, i) => `Part ${i + 1}:\n${s}`).join('\n\n') },
          ],
        });
        return answer.text.trim();
      };
      const merged: string[] = [];
      // Through the provider's batch a round's groups go together; otherwise one after another.
      if (ctx.executionMode === 'BATCH') merged.push(...(await Promise.all(groups.map(combineGroup))));
      else for (const [g, group] of groups.entries()) merged.push(await combineGroup(group, g));
      parts = merged;
    }
    return { summary: parts[0]! };
  },
};

function groupToFit(parts: string[], budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const part of parts) {
    const t = countTokens(part) + 8;
    if (current.length >= 2 && used + t > budget) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(part);
    used += t;
  }
  if (current.length > 0) groups.push(current);
  // Always make progress: never one group per part forever.
  return groups.length === parts.length && parts.length > 1 ? [parts] : groups;
}

const extract: PipelineStep<DocumentAnalyzeInput> = {
  name: 'extract',
  async run(ctx) {
    const { summary } = ctx.outputs.combine as { summary: string };
    const shape =
      '{"keyPoints": string[], "topics": string[], "sentiment": "positive"|"neutral"|"negative"|"mixed", "entities": [{"name": string, "type": string}]}';
    const answer = await ctx.complete('call', {
      json: true,
      messages: [
        { role: 'system', content: system(ctx, `Extract structured facts. Reply with JSON only, shaped as ${shape}.`) },
        { role: 'user', content: summary },
      ],
    });
    return parseOrRepairJson<Extraction>(ctx as StepContext<unknown>, 'call', answer.text, checkExtraction, shape);
  },
};

/** The analysis as the result shows it, before the run's facts (chunks, model) are added. */
function analysisOf(outputs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const extraction = outputs.extract as Extraction;
  return {
    summary: (outputs.combine as { summary: string }).summary,
    keyPoints: extraction.keyPoints,
    topics: extraction.topics,
    sentiment: extraction.sentiment,
    entities: extraction.entities,
  };
}

/** With `review`: the analysis waits for a person; an EDIT is what the result shows. */
const review: PipelineStep<DocumentAnalyzeInput> = {
  name: 'review',
  run: (ctx) => ctx.review(DEFAULT_REVIEW_KEY, reviewRequestOf(ctx.input.review ?? {}, analysisOf(ctx.outputs))),
};

export const documentAnalyzePipeline: Pipeline<DocumentAnalyzeInput> = {
  kind: 'document.analyze',
  description: 'Summarises a document of any length (chunked to fit the model) and extracts key points, topics, sentiment and entities; with review, a person approves, edits or rejects the analysis (a review step) before it is the result.',
  stepNames: ['read (for a file)', 'prepare', 'summarize', 'combine', 'extract', 'review (with review)'],
  options: ['model', 'temperature', 'maxOutputTokens', 'budget'],
  inputSchema: documentAnalyzeInputSchema as unknown as Record<string, unknown>,
  validate(input, limits) {
    const reviewProblems = (): Array<[ReadonlyArray<string | number>, string]> =>
      input.review ? reviewOptionProblems(input.review).map(([path, message]) => [['review', ...path], message]) : [];
    if (input.text !== undefined && input.file !== undefined) return [[['file'], 'give either text or file, not both']];
    if (input.file !== undefined) return reviewProblems();
    if (input.text === undefined) return [[['text'], 'is required (or give file)']];
    const bytes = Buffer.byteLength(input.text);
    if (bytes > limits.maxDocumentBytes) return [[['text'], `is ${bytes} bytes; at most ${limits.maxDocumentBytes} are accepted`]];
    if (normaliseText(input.text).length === 0) return [[['text'], 'has no text once whitespace is removed']];
    return reviewProblems();
  },
  fileRefs: (input) => (input.file ? [[['file'], input.file]] : []),
  steps: (input) => [...(input.file ? [readStep] : []), prepare, summarize, combine, extract, ...(input.review ? [review] : [])],
  reviews: (input) => (input.review ? [{ step: 'review', key: DEFAULT_REVIEW_KEY }] : []),
  result(outputs, input, meta) {
    const prepared = outputs.prepare as { chunks: number };
    // A reviewer's edit is the analysis (an edit that is not an object stands as the summary).
    const reviewed = input.review ? outputs.review : analysisOf(outputs);
    const analysis = typeof reviewed === 'object' && reviewed !== null && !Array.isArray(reviewed) ? reviewed : { summary: reviewed };
    return {
      ...analysis,
      chunks: prepared.chunks,
      ...(outputs[READ_STEP] ? { file: fileFacts(outputs[READ_STEP] as ReadFile) } : {}),
      model: meta.model,
      ...offlineNotice(meta),
    };
  },
};
