/**
 * Text out of a file's bytes, by the type detected from them: PDF (unpdf, pdf.js inside),
 * Word .docx (mammoth), HTML (html-to-text: the words a reader sees, no markup, scripts or
 * styles), Markdown and plain text (as written). A file that yields no text — a scanned PDF
 * is pictures of pages — is refused with the reason; so is one the library cannot parse.
 *
 * Each library is loaded on its first use: together they hold tens of megabytes that a worker
 * which never reads a file of their type should not carry.
 */
import type { getDocumentProxy } from 'unpdf';
import type { FileKind } from './detect-type.js';

export interface Extracted {
  text: string;
  /** A PDF's page count; null for other types. */
  pages: number | null;
}

/** The file cannot give text: its reason is the job's UNSUPPORTED_FILE message. */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError';
}

export interface ExtractHooks {
  /** Called once a PDF is opened (its page count known), before its text is extracted; at once for other types. */
  onOpened?(pages: number | null): Promise<void>;
}

export async function extractText(bytes: Uint8Array, kind: FileKind, name: string, hooks: ExtractHooks = {}): Promise<Extracted> {
  const extracted = kind === 'pdf' ? await fromPdf(bytes, hooks) : { text: await fromOther(bytes, kind, hooks), pages: null };
  if (extracted.text.trim() === '') throw new UnreadableFileError(noTextReason(name, kind, extracted.pages));
  return extracted;
}

function noTextReason(name: string, kind: FileKind, pages: number | null): string {
  if (kind === 'pdf') {
    return `${name} has no extractable text (${pages} page${pages === 1 ? '' : 's'} of images: a scanned document needs OCR, which this service does not do)`;
  }
  return `${name} has no text`;
}

async function fromPdf(bytes: Uint8Array, hooks: ExtractHooks): Promise<Extracted> {
  const { extractText: pdfText, getDocumentProxy } = await import('unpdf');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: pdf.js takes the buffer over (transfers it), and the caller's bytes stay theirs.
    // No eval (font programs are never compiled to code) and no console output from pdf.js.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, verbosity: 0, stopAtErrors: false });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'PasswordException') throw new UnreadableFileError('the PDF is encrypted with a password');
    throw new UnreadableFileError(`the PDF cannot be parsed (${(err as Error).message})`);
  }
  try {
    await hooks.onOpened?.(pdf.numPages);
    const { text } = await pdfText(pdf, { mergePages: false });
    return { text: text.map((page) => page.trim()).join('\n\n'), pages: pdf.numPages };
  } finally {
    await pdf.destroy();
  }
}

async function fromOther(bytes: Uint8Array, kind: Exclude<FileKind, 'pdf'>, hooks: ExtractHooks): Promise<string> {
  await hooks.onOpened?.(null);
  switch (kind) {
    case 'docx':
      try {
        const { default: mammoth } = await import('mammoth');
        return (await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) })).value;
      } catch (err) {
        throw new UnreadableFileError(`the Word document cannot be read (${(err as Error).message})`);
      }
    case 'html': {
      const { convert: htmlToText } = await import('html-to-text');
      return htmlToText(utf8(bytes), HTML_OPTIONS);
    }
    case 'markdown':
    case 'text':
      return utf8(bytes);
  }
}

/** UTF-8 without its byte-order mark; a bad sequence after the detected head becomes U+FFFD rather than failing. */
const utf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);

/** What a reader sees: no line wrapping, headings as written, links as their text, no images. */
const HTML_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
    { selector: 'table', format: 'dataTable' },
  ],
};
