/**
 * The console's Files page in Debian's chromium against the service as OS processes (an API
 * and a worker whose AI calls go to the fake OpenAI server): two files picked, uploaded with
 * their progress shown, listed, and analysed as one batch that completes, the model being
 * sent each file's text; a file of a type that cannot be read is refused next to its name.
 */
import { HAS_CHROMIUM, type BrowserSession } from '../support/browser.js';
import { makeDocx, makePdf } from '../support/file-fixtures.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import type { ServiceProcess } from '../support/service-process.js';
import { type ConsoleFleet, startConsoleFleet } from './console-fleet.js';
import { userOf } from '../jobs/jobs-harness.js';

const WAIT = 30_000;
const describeInBrowser = HAS_CHROMIUM ? describe : describe.skip;

let fleet: ConsoleFleet | undefined;
let fake: FakeOpenAi | undefined;
let api: ServiceProcess | undefined;
let base: string;
let key: string;
let browser: BrowserSession | undefined;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  fake = await startFakeOpenAi();
  fleet = await startConsoleFleet('console_files', { AI_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test' });
  ({ api, base, key, browser } = fleet);
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await fake?.close();
}, 60_000);

const page = () => browser!.page;

describeInBrowser('console: files', () => {
  test('two files picked are uploaded with their progress, listed, and analysed as one batch', async () => {
    await page().goto(`${base}#key=${encodeURIComponent(key)}`);
    await page().getByRole('link', { name: 'Files' }).click();
    await page().getByRole('heading', { name: 'Files' }).waitFor({ timeout: WAIT });
    await page().getByText('0 files', { exact: true }).waitFor({ timeout: WAIT });

    await page()
      .getByLabel('Drop PDF, Word, HTML, Markdown or text files here, or choose them')
      .setInputFiles([
        { name: 'survey.pdf', mimeType: 'application/pdf', buffer: makePdf([{ lines: ['The river survey found clear water upstream.'] }, { lines: ['Page two lists the sampling sites.'] }]) },
        { name: 'budget.docx', mimeType: 'application/octet-stream', buffer: makeDocx(['The parks budget grows by a tenth next year.']) },
        { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(2048, 7)]) },
      ]);
    const uploads = page().getByTestId('uploads');
    await uploads.locator('li[data-state="done"]').nth(1).waitFor({ timeout: WAIT });
    await uploads.locator('li[data-state="failed"]', { hasText: 'UNSUPPORTED_FILE: photo.png: image/png' }).waitFor({ timeout: WAIT });
    for (const name of ['survey.pdf', 'budget.docx']) {
      expect(await page().getByLabel(`Uploading ${name}`).getAttribute('value')).toBe('100');
    }
    await page().getByText('2 files', { exact: true }).waitFor({ timeout: WAIT });
    const files = page().getByTestId('files');
    await files.getByRole('cell', { name: 'application/pdf' }).waitFor({ timeout: WAIT });
    await files.getByRole('cell', { name: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }).waitFor({ timeout: WAIT });
    await browser!.screenshot('files');

    await page().getByRole('button', { name: 'Analyse 2 files' }).click();
    await page().getByRole('heading', { name: /^Batch / }).waitFor({ timeout: WAIT });
    await page().getByTestId('progress-text').filter({ hasText: 'Analysed 2 of 2 documents' }).waitFor({ timeout: 60_000 });
    await page().locator('.status.COMPLETED').first().waitFor({ timeout: WAIT });
    await browser!.screenshot('files-batch');
    for (const words of ['The river survey found clear water upstream.', 'The parks budget grows by a tenth next year.']) {
      expect(fake!.requestsMatching((r) => userOf(r).includes(words)).length).toBeGreaterThan(0);
    }
  }, 120_000);

  afterEach(() => {
    // The one expected failure: the picture refused with 415.
    expect(browser!.takeUnexpected([/HTTP 415: POST .*\/files/, /status of 415/])).toEqual([]);
  });
});
