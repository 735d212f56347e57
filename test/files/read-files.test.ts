/**
 * Type detection and text extraction on real files made here (file-fixtures.ts): the type
 * comes from the bytes whatever the name says, each supported type gives its words and
 * nothing of its markup, and a scanned PDF is refused with the reason.
 */
import { detectType, HEAD_BYTES, looksLikeMarkdown } from '../../src/files/detect-type.js';
import { extractText, UnreadableFileError } from '../../src/files/extract-text.js';
import { cleanFileName } from '../../src/files/receive-upload.js';
import { makeDocx, makeHtml, makePdf, makeZip } from '../support/file-fixtures.js';

const detect = (bytes: Buffer) => detectType(bytes.subarray(0, HEAD_BYTES), bytes.length <= HEAD_BYTES);

describe('the type comes from the bytes', () => {
  test('PDF, .docx, HTML, Markdown and plain text are told apart', async () => {
    expect(await detect(makePdf([{ lines: ['x'] }]))).toEqual({ ok: true, kind: 'pdf', contentType: 'application/pdf' });
    expect(await detect(makeDocx(['x']))).toMatchObject({ ok: true, kind: 'docx' });
    expect(await detect(makeHtml('T', ['x']))).toEqual({ ok: true, kind: 'html', contentType: 'text/html' });
    expect(await detect(Buffer.from('# Title\n\nSome *text*.\n'))).toMatchObject({ ok: true, kind: 'markdown', contentType: 'text/markdown' });
    expect(await detect(Buffer.from('Just words, on a line.\n'))).toMatchObject({ ok: true, kind: 'text', contentType: 'text/plain' });
    expect(await detect(Buffer.from('\uFEFFcafé crème'))).toMatchObject({ ok: true, kind: 'text' });
  });

  test('images, archives, XML and binary data are refused, naming what they are', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001080600000000', 'hex');
    expect(await detect(png)).toEqual({ ok: false, reason: expect.stringContaining('image/png') });
    expect(await detect(makeZip([['a.txt', 'hello']]))).toEqual({ ok: false, reason: expect.stringContaining('application/zip') });
    expect(await detect(Buffer.from('<?xml version="1.0"?><a>b</a>'))).toEqual({ ok: false, reason: expect.stringContaining('application/xml') });
    expect(await detect(Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]))).toEqual({ ok: false, reason: expect.stringContaining('unknown type') });
    expect(await detect(Buffer.alloc(0))).toEqual({ ok: false, reason: 'the file is empty' });
  });

  test('a multi-byte character cut at the end of a partial head is still text', async () => {
    const text = Buffer.from('é'.repeat(HEAD_BYTES));
    expect(await detectType(text.subarray(0, HEAD_BYTES - 1), false)).toMatchObject({ ok: true, kind: 'text' });
  });

  test('Markdown is recognised by its headings, lists, fences and links', () => {
    expect(looksLikeMarkdown('Intro\n\n- one\n- two')).toBe(true);
    expect(looksLikeMarkdown('see [the docs](https://x.y/z)')).toBe(true);
    expect(looksLikeMarkdown('Plain prose. Nothing else.')).toBe(false);
  });
});

describe('text extraction', () => {
  test('a two-page PDF gives both pages, in order, and its page count before its text', async () => {
    const pdf = makePdf([{ lines: ['Revenue grew 12 percent.', 'Costs fell.'] }, { lines: ['Page two: the outlook is stable.'] }]);
    const opened: Array<number | null> = [];
    const out = await extractText(pdf, 'pdf', 'report.pdf', { onOpened: async (pages) => void opened.push(pages) });
    expect(opened).toEqual([2]);
    expect(out.pages).toBe(2);
    expect(out.text).toContain('Revenue grew 12 percent.');
    expect(out.text.indexOf('Costs fell.')).toBeLessThan(out.text.indexOf('Page two: the outlook is stable.'));
  });

  test('a scanned PDF (images only) is refused: no extractable text, with its page count', async () => {
    const scan = makePdf([{ image: true }, { image: true }]);
    await expect(extractText(scan, 'pdf', 'scan.pdf')).rejects.toThrow(new UnreadableFileError('scan.pdf has no extractable text (2 pages of images: a scanned document needs OCR, which this service does not do)'));
  });

  test('a damaged PDF is refused as such', async () => {
    await expect(extractText(Buffer.from('%PDF-1.4\nnothing else'), 'pdf', 'bad.pdf')).rejects.toBeInstanceOf(UnreadableFileError);
  });

  test('a .docx gives its paragraphs', async () => {
    const out = await extractText(makeDocx(['Quarterly memo: margins widened.', 'Second paragraph & more.']), 'docx', 'memo.docx');
    expect(out).toEqual({ text: expect.stringContaining('Quarterly memo: margins widened.'), pages: null });
    expect(out.text).toContain('Second paragraph & more.');
  });

  test('HTML gives the words a reader sees: no tags, script, style or link targets', async () => {
    const out = await extractText(makeHtml('Launch notes', ['The launch moved to May.']), 'html', 'notes.html');
    expect(out.text).toContain('Launch notes');
    expect(out.text).toContain('The launch moved to May. link');
    for (const hidden of ['<p>', 'window.secret', 'color: red', 'example.com']) expect(out.text).not.toContain(hidden);
  });

  test('Markdown and text are read as written, without a byte-order mark', async () => {
    expect((await extractText(Buffer.from('\uFEFF# Title\nbody'), 'markdown', 'a.md')).text).toBe('# Title\nbody');
    await expect(extractText(Buffer.from('  \n\t '), 'text', 'blank.txt')).rejects.toThrow('blank.txt has no text');
  });
});

test('an uploaded name keeps no path or control characters', () => {
  expect(cleanFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
  expect(cleanFileName('../../etc/passwd')).toBe('passwd');
  expect(cleanFileName('a\u0000b\nc.txt')).toBe('abc.txt');
  expect(cleanFileName(undefined)).toBe('upload');
  expect(cleanFileName('x'.repeat(300))).toHaveLength(255);
});
