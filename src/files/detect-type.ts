/**
 * A file's type, from its first bytes and never from its name or the uploader's headers:
 * `file-type` recognises binary formats by their signatures (PDF, .docx, and the many this
 * service refuses); what it does not recognise is read as text when it is valid UTF-8
 * without NUL bytes, and then told apart as HTML, Markdown or plain text by its content.
 */
import { fileTypeFromBuffer } from 'file-type';

export type FileKind = 'pdf' | 'docx' | 'html' | 'markdown' | 'text';

export const CONTENT_TYPES: Readonly<Record<FileKind, string>> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
};

/** What is read of a file to tell its type: enough for file-type's deepest probes (.docx looks into the zip). */
export const HEAD_BYTES = 64 * 1024;

export type Detection = { ok: true; kind: FileKind; contentType: string } | { ok: false; reason: string };

const detected = (kind: FileKind): Detection => ({ ok: true, kind, contentType: CONTENT_TYPES[kind] });

const SUPPORTED = 'PDF, Word (.docx), HTML, Markdown and plain text (UTF-8) are read';

/** `head`: the file's first HEAD_BYTES (all of it when shorter); `complete`: whether that is the whole file. */
export async function detectType(head: Uint8Array, complete: boolean): Promise<Detection> {
  if (head.length === 0) return { ok: false, reason: 'the file is empty' };
  const signature = await fileTypeFromBuffer(head);
  if (signature?.mime === CONTENT_TYPES.pdf) return detected('pdf');
  if (signature?.mime === CONTENT_TYPES.docx) return detected('docx');
  const text = signature === undefined || signature.mime === 'application/xml' ? utf8Text(head, complete) : null;
  if (text === null) return { ok: false, reason: `${signature ? `${signature.mime} (.${signature.ext})` : 'binary data of an unknown type'} cannot be read; ${SUPPORTED}` };
  if (looksLikeHtml(text)) return detected('html');
  if (signature !== undefined) return { ok: false, reason: `${signature.mime} cannot be read; ${SUPPORTED}` };
  return detected(looksLikeMarkdown(text) ? 'markdown' : 'text');
}

/** The head as text when it is UTF-8 without NUL bytes (a character cut at the end of a partial head is allowed). */
function utf8Text(head: Uint8Array, complete: boolean): string | null {
  if (head.includes(0)) return null;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= (complete ? 0 : 3); cut++) {
    try {
      return decoder.decode(head.subarray(0, head.length - cut));
    } catch {
      // try again without the last bytes: a multi-byte character may straddle the head's end
    }
  }
  return null;
}

const HTML_START = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b/i;

export function looksLikeHtml(text: string): boolean {
  return HTML_START.test(text.replace(/^\uFEFF/, '')) || /<html[\s>]/i.test(text.slice(0, 4096));
}

/** A heading, a fenced block, a list, a link or emphasis on a line of its own: written as Markdown. */
const MARKDOWN_LINE = /^(?:#{1,6} \S|```|~~~|[-*+] \S|\d+\. \S|> \S|.*\[[^\]]+\]\([^)\s]+\)|.*\*\*[^*\n]+\*\*)/m;

export function looksLikeMarkdown(text: string): boolean {
  return MARKDOWN_LINE.test(text);
}
