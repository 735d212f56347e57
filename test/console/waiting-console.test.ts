/**
 * The console's pages for jobs that wait, in Debian's chromium against the service as OS
 * processes (an API and a worker on the offline provider): the review queue ("1 job waits for
 * you") with the output to review, an edit saved with a comment that the job goes on with;
 * the schedules page (create through its form, edit in place, pause, delete) and the jobs
 * waiting for their start time. Fails on any browser console error or failed request.
 */
import { HAS_CHROMIUM, type BrowserSession } from '../support/browser.js';
import { gqlData, pollUntil } from '../support/graphql-client.js';
import type { ServiceProcess } from '../support/service-process.js';
import { type ConsoleFleet, startConsoleFleet } from './console-fleet.js';

const WAIT = 30_000;
const describeInBrowser = HAS_CHROMIUM ? describe : describe.skip;

let fleet: ConsoleFleet | undefined;
let api: ServiceProcess | undefined;
let base: string;
let key: string;
let browser: BrowserSession | undefined;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  fleet = await startConsoleFleet('console_waiting');
  ({ api, base, key, browser } = fleet);
}, 120_000);

afterAll(() => fleet?.stop(), 60_000);

afterEach(() => {
  if (!browser) return;
  expect(browser.takeUnexpected()).toEqual([]);
});

const page = () => browser!.page;
const q = (query: string, variables?: Record<string, unknown>) => gqlData(api!.url, key, query, variables);
const job = (id: string) => q(`query($id: ID!) { job(id: $id) { status result steps { name status review { answer { decision via comment output } } } } }`, { id });

describeInBrowser('console: reviews and schedules', () => {
  test('the review queue shows what waits; an edit with a comment is what the job goes on with', async () => {
    const { submitJob } = await q(`mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, {
      input: { kind: 'chain', input: { steps: [{ name: 'draft', prompt: 'Write a launch note', review: { instructions: 'Is it on brand?' } }, { name: 'publish', prompt: 'Polish: {{steps.draft}}' }] } },
    });
    await pollUntil(() => job(submitJob.id), (j: any) => j.job.status === 'AWAITING_REVIEW', WAIT);

    await page().goto(`${base}#key=${encodeURIComponent(key)}`);
    await page().getByRole('link', { name: 'Reviews' }).click();
    await page().getByRole('heading', { name: 'Review queue' }).waitFor({ timeout: WAIT });
    await page().getByTestId('review-count').filter({ hasText: '1 job waits for you.' }).waitFor({ timeout: WAIT });
    const card = page().locator(`[data-review-job="${submitJob.id}"]`);
    await card.getByText('Is it on brand?').waitFor({ timeout: WAIT });
    const output = card.getByLabel('Output to review');
    expect(await output.inputValue()).toContain('Write a launch note');
    await browser!.screenshot('review-queue');

    await output.fill('A launch note, on brand.');
    await card.getByLabel('Comment (optional)').fill('tone fixed');
    await card.getByRole('button', { name: 'Save edit' }).click();
    await page().getByRole('status').filter({ hasText: 'Edited' }).waitFor({ timeout: WAIT });
    await page().getByTestId('review-count').filter({ hasText: 'No job waits for a review.' }).waitFor({ timeout: WAIT });

    const done = await pollUntil(() => job(submitJob.id), (j: any) => j.job.status === 'SUCCEEDED', WAIT);
    expect(done.job.steps[0].review.answer).toEqual({ decision: 'EDIT', via: 'API_KEY', comment: 'tone fixed', output: 'A launch note, on brand.' });
    expect(done.job.result.outputs.draft).toBe('A launch note, on brand.');

    await page().goto(`${base}#/jobs/${submitJob.id}`);
    await page().getByTestId('review-answer').filter({ hasText: 'EDIT' }).waitFor({ timeout: WAIT });
  }, 120_000);

  test('schedules: created through the form, listed with their next run, edited in place, paused and deleted; scheduled jobs listed', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const { submitJob } = await q(`mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, { input: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'later' }] }, runAt } });

    await page().goto(`${base}#/schedules`);
    await page().getByRole('heading', { name: 'Schedules' }).waitFor({ timeout: WAIT });
    await page().getByTestId('scheduled-jobs').locator(`[data-job-id="${submitJob.id}"]`).waitFor({ timeout: WAIT });
    await page().getByLabel('Name').fill('morning summary');
    await page().getByLabel('Cron (5 fields, or 6 with seconds)').fill('0 7 * * *');
    await page().getByLabel('Time zone').fill('Europe/Berlin');
    await page().getByRole('button', { name: 'Create schedule' }).click();
    const row = page().locator('[data-schedule="morning summary"]');
    await row.locator('.status', { hasText: 'ACTIVE' }).waitFor({ timeout: WAIT });
    await browser!.screenshot('schedules');

    // Edited in place: the same schedule, a new cron and prompt, the next run moved to 10:00 Berlin time.
    const [created] = (await q(`{ schedules { id nextRunAt } }`)).schedules;
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page().getByRole('form', { name: 'Edit schedule' });
    expect(await edit.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    await edit.getByLabel('Cron (5 fields, or 6 with seconds)').fill('0 10 * * *');
    await edit.getByLabel('Job input (JSON)').fill('{ "steps": [{ "name": "summary", "prompt": "Summarise the morning." }] }');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await row.getByText('0 10 * * *').waitFor({ timeout: WAIT });
    await edit.waitFor({ state: 'detached', timeout: WAIT });
    const [edited] = (await q(`{ schedules { id cron timezone job nextRunAt } }`)).schedules;
    expect(edited).toMatchObject({ id: created.id, cron: '0 10 * * *', timezone: 'Europe/Berlin', job: { kind: 'chain', input: { steps: [{ name: 'summary', prompt: 'Summarise the morning.' }] } } });
    expect([8, 9]).toContain(new Date(edited.nextRunAt).getUTCHours());
    await browser!.screenshot('schedule-edited');

    await row.getByRole('button', { name: 'Pause' }).click();
    await row.locator('.status', { hasText: 'PAUSED' }).waitFor({ timeout: WAIT });
    expect((await q(`{ schedules { name status nextRunAt } }`)).schedules).toEqual([{ name: 'morning summary', status: 'PAUSED', nextRunAt: null }]);
    await row.getByRole('button', { name: 'Delete' }).click();
    await page().getByText('No schedules yet.').waitFor({ timeout: WAIT });
    expect((await q(`{ schedules { id } }`)).schedules).toEqual([]);
    await q(`mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id: submitJob.id });
  }, 120_000);
});
