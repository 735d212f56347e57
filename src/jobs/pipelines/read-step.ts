/**
 * The `read` step: a kind whose input refers to files reads them first, as a step of its
 * own, so the extracted text (with the SHA-256 of the bytes read) is checkpointed like any
 * step's output. A retry, or another worker after a crash, starts after it: nothing is
 * downloaded or parsed again, and the job records exactly which bytes it analysed.
 */
import type { FileRef, ReadFile } from './files.js';
import type { PipelineStep, StepContext } from './kind.js';

export const READ_STEP = 'read';

const pages = (n: number): string => `${n} page${n === 1 ? '' : 's'}`;

/** "Reading report.pdf (12 pages)". */
export function readingMessage(file: { name: string; pages: number | null }): string {
  return `Reading ${file.name}${file.pages !== null ? ` (${pages(file.pages)})` : ''}`;
}

/** "Read report.pdf: 12 pages, 48,213 characters". */
export function readMessage(file: ReadFile): string {
  return `Read ${file.name}: ${file.pages !== null ? `${pages(file.pages)}, ` : ''}${file.characters.toLocaleString('en-US')} characters`;
}

/** What a result says about a file it analysed: everything but the text. */
export function fileFacts(file: ReadFile): Omit<ReadFile, 'text'> {
  const { text: _text, ...facts } = file;
  return facts;
}

function readOne<T>(ctx: StepContext<T>, ref: FileRef, index: number, count: number): Promise<ReadFile> {
  return ctx.readFile(ref, { onOpened: (opened) => ctx.progress(index, count, readingMessage(opened)) });
}

/** The `read` step of a kind that reads one file; its output is the ReadFile. */
export function readFileStep<T>(refOf: (input: T) => FileRef): PipelineStep<T> {
  return {
    name: READ_STEP,
    async run(ctx) {
      const file = await readOne(ctx, refOf(ctx.input), 0, 1);
      await ctx.progress(1, 1, readMessage(file));
      return file;
    },
  };
}

/** The `read` step of a kind that reads named files, in order; its output is `{ NAME: ReadFile }`. */
export function readFilesStep<T>(refsOf: (input: T) => Readonly<Record<string, FileRef>>): PipelineStep<T> {
  return {
    name: READ_STEP,
    async run(ctx) {
      const entries = Object.entries(refsOf(ctx.input));
      // Null prototype: a file's name is a key here and must never reach Object.prototype.
      const read: Record<string, ReadFile> = Object.create(null);
      for (const [i, [name, ref]] of entries.entries()) read[name] = await readOne(ctx, ref, i, entries.length);
      await ctx.progress(entries.length, entries.length, `Read ${entries.length} file${entries.length === 1 ? '' : 's'}`);
      return read;
    },
  };
}
