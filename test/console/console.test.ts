/**
 * The web console in Debian's chromium against the real service as OS processes: an API
 * process on a fixed port (stopped and started again in the last test) and a worker
 * whose AI calls go to the fake OpenAI server, held at gates the tests open. Every test
 * fails on a browser console error or a failed request it did not expect.
 */
import WebSocket from 'ws';
import { createJobsClient, type JobsClient } from '../../client/index.js';
import { openBrowser, HAS_CHROMIUM, type BrowserSession } from '../support/browser.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { freePort } from '../support/free-port.js';
import { pollUntil } from '../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { Gates, newKey, range } from '../jobs/live/subscriptions-harness.js';

const WAIT = 30_000;
const describeInBrowser = HAS_CHROMIUM ? describe : describe.skip;

let db: TestDb | undefined;
let fake: FakeOpenAi | undefined;
let gates: Gates;
let receiver: WebhookReceiver | undefined;
let api: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let apiEnv: Record<string, string>;
let base: string;
let key: string;
let client: JobsClient;
let browser: BrowserSession | undefined;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  db = await createTestDb('console');
  fake = await startFakeOpenAi();
  gates = new Gates(fake);
  receiver = await startWebhookReceiver();
  apiEnv = { MONGODB_URI: db.uri, ROLE: 'api', PORT: String(await freePort()) };
  [api, worker] = await Promise.all([
    startServiceProcess(apiEnv),
    startServiceProcess({
      MONGODB_URI: db.uri,
      ROLE: 'worker',
      JOB_LEASE: '30s',
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'test',
      AI_BATCH_POLL_INTERVAL: '200ms',
      AI_BATCH_GATHER_WAIT: '200ms',
    }),
  ]);
  base = /^Console: (\S+)/m.exec(api.stdout())?.[1] ?? '';
  key = await newKey(db, 'console');
  client = createJobsClient({ url: api.url, token: key, webSocketImpl: WebSocket });
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  gates?.openAll();
  await browser?.close();
  await client?.dispose();
  await Promise.allSettled([api?.stop(), worker?.stop()]);
  await receiver?.close();
  await fake?.close();
  await db?.close();
}, 60_000);

afterEach(() => {
  if (!browser) return;
  // The one expected browser error: the WebSocket reconnecting while the API is down.
  expect(browser.takeUnexpected([/WebSocket connection to '.*' failed/])).toEqual([]);
});

async function chain(prompts: string[]): Promise<string> {
  const job = await client.submitJob({ kind: 'chain', input: { steps: prompts.map((prompt, i) => ({ name: `s${i + 1}`, prompt })) } });
  return job.id;
}

const page = () => browser!.page;

/** The jobs page with both of its queries answered (leaving earlier would abort them). */
async function jobsPageLoaded(): Promise<void> {
  await page().getByRole('heading', { name: 'Jobs' }).waitFor({ timeout: WAIT });
  await page().getByText(/^\d+ jobs$/).waitFor({ timeout: WAIT });
  await page().locator('#f-kind option', { hasText: 'chain' }).waitFor({ state: 'attached', timeout: WAIT });
}

describeInBrowser('web console', () => {
  test('the API serves the console at / and the banner links to it', async () => {
    expect(base).toBe(api!.url.replace(/graphql$/, ''));
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  test('sign in with a key; the #key= fragment signs in and leaves the address', async () => {
    await page().goto(base);
    await page().getByLabel('API key').fill(key);
    await page().getByRole('button', { name: 'Sign in' }).click();
    await jobsPageLoaded();
    await page().getByRole('button', { name: 'Sign out' }).click();
    await page().getByLabel('API key').waitFor({ timeout: WAIT });

    // In the tab that shows the console (only the fragment changes), then in a fresh one.
    await page().goto(`${base}#key=${encodeURIComponent(key)}`);
    await jobsPageLoaded();
    expect(page().url()).not.toContain(key);
    await page().evaluate('sessionStorage.clear()');
    await page().goto('about:blank');
    await page().goto(`${base}#key=${encodeURIComponent(key)}`);
    await jobsPageLoaded();
    expect(page().url()).toBe(`${base}#/jobs`);
    expect(await page().evaluate('sessionStorage.length')).toBe(1);
    await browser!.screenshot('jobs');
  });

  test('a document.analyze batch of several files: the bar reaches "3 of 3" live; a job shows its steps and result', async () => {
    await page().goto(`${base}#/submit`);
    await page().getByLabel('Drop text files here, or choose them').setInputFiles(
      [1, 2, 3].map((i) => ({ name: `doc-${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`Document ${i}. It says a few things worth a summary.`) })),
    );
    await page().getByRole('button', { name: 'Analyse 3 documents' }).click();
    await page().getByRole('heading', { name: /^Batch / }).waitFor({ timeout: WAIT });
    await page().getByTestId('progress-text').filter({ hasText: 'Analysed 3 of 3 documents' }).waitFor({ timeout: 60_000 });
    await page().locator('.status.COMPLETED').first().waitFor({ timeout: WAIT });
    await browser!.screenshot('batch');

    await page().locator('[data-job-id] a').first().click();
    await page().getByRole('heading', { name: /^Job / }).waitFor({ timeout: WAIT });
    await page().getByTestId('job-status').filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: WAIT });
    const steps = await page().locator('[data-step]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.querySelector('.status')?.textContent]));
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.every(([, status]) => status === 'SUCCEEDED')).toBe(true);
    await page().getByText('Result JSON').waitFor({ timeout: WAIT });
    // The event log follows the job live: its last row is the terminal event once it arrived.
    await page().getByTestId('event-log').locator('tr', { hasText: 'SUCCEEDED' }).filter({ hasNotText: 'STEP_' }).waitFor({ timeout: WAIT });
    await browser!.screenshot('job');

    await page().setViewportSize({ width: 390, height: 844 });
    const overflow = await page().evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    await browser!.screenshot('job-390px');
    await page().setViewportSize({ width: 1440, height: 900 });
    expect(overflow).toBeLessThanOrEqual(0);
  }, 120_000);

  test("a BATCH job shows its mode, waits in the provider's batch, and shows what it saved", async () => {
    const job = await client.submitJob({ kind: 'document.analyze', input: { name: 'memo', text: 'Orders grew 9% in the quarter. Returns fell.' }, executionMode: 'BATCH' });
    expect(job.executionMode).toBe('BATCH');
    await page().goto(`${base}#/jobs/${job.id}`);
    await page().getByRole('heading', { name: /^Job / }).waitFor({ timeout: WAIT });
    await page().getByTestId('job-mode').filter({ hasText: 'BATCH' }).waitFor({ timeout: WAIT });
    await page().getByTestId('job-status').filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: 60_000 });
    // The event log shows the wait; the usage, the batch rate against the realtime one.
    await page().getByTestId('event-log').getByText(/Waiting for the provider's batch/).first().waitFor({ timeout: WAIT });
    const saved = page().locator('.card', { hasText: 'Saved' });
    await saved.filter({ hasText: '50 %' }).waitFor({ timeout: WAIT });
    await page().locator('.card', { hasText: 'At the realtime rate' }).waitFor({ timeout: WAIT });
    await browser!.screenshot('job-batch');
    await page().goto(`${base}#/jobs`);
    await jobsPageLoaded();
    await page().locator(`[data-job-id="${job.id}"]`).getByTestId('job-mode').filter({ hasText: 'BATCH' }).waitFor({ timeout: WAIT });
  }, 120_000);

  test('cancelling a slow job shows CANCELLED', async () => {
    const gate = gates.add('GATE_CONSOLE_SLOW');
    const jobId = await chain([`Take your time ${gate}.`, 'Then this.']);
    await page().goto(`${base}#/jobs/${jobId}`);
    await page().getByTestId('job-status').filter({ hasText: 'RUNNING' }).waitFor({ timeout: WAIT });
    await page().getByRole('button', { name: 'Cancel' }).click();
    await page().getByTestId('job-status').filter({ hasText: 'CANCELLED' }).waitFor({ timeout: WAIT });
    await page().getByRole('status').filter({ hasText: 'Cancel requested' }).waitFor({ timeout: WAIT });
    await page().getByTestId('event-log').getByRole('cell', { name: 'CANCELLED', exact: true }).waitFor({ timeout: WAIT });
    await browser!.screenshot('job-cancelled');
  });

  test('an endpoint to a local receiver: secret shown once, a test delivery with its attempt, redelivered', async () => {
    await page().goto(`${base}#/webhooks`);
    await page().getByLabel('URL').fill(`${receiver!.url}/hooks`);
    await page().getByRole('button', { name: 'Create endpoint' }).click();
    const secret = await page().getByTestId('secret').textContent({ timeout: WAIT });
    expect(secret).toMatch(/^whsec_/);
    await page().getByRole('button', { name: 'Done' }).click();

    const card = page().locator('[data-endpoint-id]').first();
    await card.getByRole('button', { name: 'Send test' }).click();
    const [first] = await receiver!.waitFor(1, WAIT);
    const delivery = card.locator('[data-delivery-id]').first();
    await pollUntil(
      async () => {
        await card.getByRole('button', { name: 'Send test' }).page().getByRole('button', { name: 'Refresh' }).click();
        return delivery.locator('.status').textContent({ timeout: WAIT });
      },
      (status) => status === 'SUCCEEDED',
      WAIT,
      200,
    );
    await delivery.getByText('Attempts').click();
    expect(await delivery.locator('[data-attempt="1"] td').nth(1).textContent()).toBe('200');
    await browser!.screenshot('webhooks');

    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    const requests = await receiver!.waitFor(2, WAIT);
    expect(requests[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    await pollUntil(
      async () => {
        await page().getByRole('button', { name: 'Refresh' }).click();
        return delivery.locator('[data-attempt]').count();
      },
      (n) => n === 2,
      WAIT,
      200,
    );
  });

  test('the API process stops and starts again mid-job: the page shows reconnecting, then every event once', async () => {
    const g1 = gates.add('GATE_CONSOLE_DROP_1');
    const g2 = gates.add('GATE_CONSOLE_DROP_2');
    const jobId = await chain(['One.', `Two ${g1}.`, 'Three.', `Four ${g2}.`]);
    await page().goto(`${base}#/jobs/${jobId}`);
    const log = page().getByTestId('event-log');
    const stepStarted = (name: string) => log.locator('tr[data-sequence]', { hasText: 'STEP_STARTED' }).filter({ hasText: name });
    await stepStarted('s2').waitFor({ timeout: WAIT });
    await page().locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT });

    await api!.stop('SIGTERM');
    await page().locator('[data-testid="connection"][data-state="reconnecting"]').waitFor({ timeout: WAIT });
    gates.open(g1);
    await pollUntil(
      () => db!.db.collection('job_events').find({ jobId }).toArray(),
      (rows) => rows.some((r) => r.type === 'STEP_STARTED' && (r.step as { name?: string } | undefined)?.name === 's4'),
      WAIT,
    );
    await browser!.screenshot('job-reconnecting');

    api = await startServiceProcess(apiEnv);
    await stepStarted('s4').waitFor({ timeout: WAIT });
    await page().locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT });
    gates.open(g2);
    await log.locator('tr[data-sequence]', { hasText: 'SUCCEEDED' }).filter({ hasNotText: 'STEP_' }).waitFor({ timeout: WAIT });

    const shown = await log.locator('tr[data-sequence]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-sequence'))));
    const stored = await db!.db.collection('job_events').countDocuments({ jobId });
    expect(shown).toEqual(range(1, stored));
  }, 120_000);
});
