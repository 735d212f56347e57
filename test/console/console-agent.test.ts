/**
 * The console's job page for an agent job, in Debian's chromium: the `agent` kind with the
 * example module's tools (JOB_KINDS_MODULE=examples/kinds/index.mjs) against the fake OpenAI
 * server. The page shows each model turn and each tool call (name, arguments, result or
 * error, duration, time) as they happen: the last turn is held until the first two are on
 * screen, then appears live. Fails on any browser console error or failed request.
 */
import type { TestApp } from '../support/app.js';
import { openBrowser, HAS_CHROMIUM, type BrowserSession } from '../support/browser.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { startOpenAiApp } from '../support/fake-openai-app.js';
import { gqlData } from '../support/graphql-client.js';

const WAIT = 30_000;
const describeInBrowser = HAS_CHROMIUM ? describe : describe.skip;

let fake: FakeOpenAi | undefined;
let app: TestApp | undefined;
let browser: BrowserSession | undefined;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  fake = await startFakeOpenAi();
  app = await startOpenAiApp(fake, { env: { JOB_KINDS_MODULE: 'examples/kinds/index.mjs' } });
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.close();
}, 60_000);

afterEach(() => {
  if (!browser) return;
  expect(browser.takeUnexpected()).toEqual([]);
});

describeInBrowser('an agent job in the console', () => {
  test("the job page shows each turn and tool call, live: name, arguments, result or error, time", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    fake!.script([
      { toolCalls: [{ id: 'c1', name: 'lookup_order', arguments: { orderId: 'A-1001' } }] },
      { toolCalls: [{ id: 'c2', name: 'lookup_order', arguments: { orderId: 'A-9999' } }] },
    ]);
    // The third turn answers only once the test has seen the first two on the page.
    fake!.onRequest(async () => {
      await held;
      return { text: 'Order A-1001 has shipped; A-9999 does not exist.' };
    });
    const input = { prompt: 'Where are orders A-1001 and A-9999?', tools: ['lookup_order', 'search_help_center'] };
    const { submitJob } = await gqlData(app!.url, app!.key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, { input: { kind: 'agent', input } });

    const page = browser!.page;
    const base = app!.url.replace(/graphql$/, '');
    await page.goto(`${base}#key=${encodeURIComponent(app!.key)}`);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor({ timeout: WAIT });
    await page.goto(`${base}#/jobs/${submitJob.id}`);

    const activity = page.getByTestId('agent-activity');
    const turn = (n: number) => activity.locator(`li[data-turn="${n}"]`);
    const first = turn(1).locator('tr[data-tool="lookup_order"]');
    await first.waitFor({ timeout: WAIT });
    await turn(2).locator('tr[data-tool="lookup_order"]').waitFor({ timeout: WAIT });
    const cells = async (row: typeof first) => (await row.locator('td').allTextContents()).map((t) => t.trim());
    const [name1, args1, result1, took1] = await cells(first);
    expect(name1).toBe('lookup_order');
    expect(args1).toBe('{"orderId":"A-1001"}');
    expect(result1).toContain('"status":"shipped"');
    expect(took1).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(await turn(1).locator('.row').textContent()).toMatch(/model \d+(\.\d)? (ms|s)/);
    const [, args2, error2] = await cells(turn(2).locator('tr[data-tool="lookup_order"]'));
    expect(args2).toBe('{"orderId":"A-9999"}');
    expect(error2).toBe('the tool failed: there is no order A-9999');
    expect(await turn(2).locator('.field-error').count()).toBe(1);
    expect(await turn(3).count()).toBe(0);

    release();
    await turn(3).filter({ hasText: 'answered' }).waitFor({ timeout: WAIT });
    await page.getByTestId('job-status').filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: WAIT });
    // Every turn once, in order, even though the page opened mid-run and the result reloaded.
    expect(await activity.locator('> li').evaluateAll((items) => items.map((li) => li.getAttribute('data-turn')))).toEqual(['1', '2', '3']);
    await browser!.screenshot('job-agent');
  });
});
