/**
 * A kind from the operator's own module (JOB_KINDS_MODULE=examples/kinds/index.mjs, a
 * relative path resolved from the working directory) over GraphQL against the fake OpenAI
 * server: it is listed by jobKinds, its input is checked on submit with errors naming the
 * field, and it runs with the built-ins' guarantees: events and usage, a signed webhook, a
 * whole-job retry that resumes at the failed step without asking (or paying) again for
 * the one that succeeded, cancel, and budgets.
 */
import type { TestApp } from '../../support/app.js';
import { eventually } from '../../support/eventually.js';
import type { FakeOpenAi } from '../../support/fake-openai.js';
import { useFakeOpenAiApp } from '../../support/fake-openai-app.js';
import { gqlData } from '../../support/graphql-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { getEvents, getJob, gqlErrors, JOB_FIELDS, ReplyRouter, tag, waitForStatus, withPrompt } from '../jobs-harness.js';

const started = useFakeOpenAiApp({ env: { JOB_KINDS_MODULE: 'examples/kinds/index.mjs', AI_MAX_CALL_ATTEMPTS: '1' } });
let fake: FakeOpenAi;
let app: TestApp;
let router: ReplyRouter;
let hooks: WebhookReceiver;

const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id status } }`;
const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { id status } }`;

beforeAll(async () => {
  ({ fake, app } = started);
  router = new ReplyRouter(fake);
  hooks = await startWebhookReceiver();
  await gqlData(app.url, app.key, `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { endpoint { id } } }`, { url: `${hooks.url}/hooks` });
});
afterAll(async () => {
  await hooks?.close();
});

/** A ticket whose requests can be told apart: classify's user message starts with its subject, draft's with its customer. */
function ticket(t: string, extra: Record<string, unknown> = {}) {
  return { subject: `${t} charged twice`, body: 'My card was charged twice for the March invoice.', customer: t, ...extra };
}
const classifyOf = (t: string) => `Subject: ${t} charged twice`;
const draftOf = (t: string) => `Write a reply to ${t} `;

async function submitTicket(input: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const { submitJob } = await gqlData(app.url, app.key, SUBMIT, { input: { kind: 'ticket.triage', input, ...extra } });
  return submitJob.id as string;
}

test('jobKinds lists the kind with its description, steps, input schema and options', async () => {
  const { jobKinds } = await gqlData(app.url, app.key, '{ jobKinds { name description steps inputSchema options } }');
  expect(jobKinds.map((k: { name: string }) => k.name)).toEqual(['document.analyze', 'chain', 'agent', 'ticket.triage']);
  const triage = jobKinds.find((k: { name: string }) => k.name === 'ticket.triage');
  expect(triage).toMatchObject({
    description: expect.stringContaining('support ticket'),
    steps: ['classify', 'draft'],
    inputSchema: { type: 'object', required: ['subject', 'body'] },
    options: ['model', 'temperature', 'maxOutputTokens', 'budget'],
  });
});

test.each([
  [{ body: 'b' }, ['input', 'input', 'subject'], 'input.input.subject: is required'],
  [{ subject: 's', body: 'b', urgency: 'high' }, ['input', 'input', 'urgency'], 'input.input.urgency: is not a known field'],
  [{ subject: 's', body: 42 }, ['input', 'input', 'body'], 'input.input.body: must be string'],
  [{ subject: '', body: 'b' }, ['input', 'input', 'subject'], 'input.input.subject: must NOT have fewer than 1 characters'],
])('bad input %j is refused on submit, naming the field', async (input, path, message) => {
  const errors = await gqlErrors(app, SUBMIT, { input: { kind: 'ticket.triage', input } });
  expect(errors[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', path } });
  expect(fake.requests).toHaveLength(0);
});

test('a ticket is classified and answered: steps, events, usage and a webhook, like a built-in kind', async () => {
  const t = tag('ok');
  router.on(classifyOf(t), [{ text: '{"category":"billing","priority":"high"}', usage: { prompt_tokens: 40, completion_tokens: 10 } }]);
  router.on(draftOf(t), [{ text: `Hello ${t}, we are refunding the second charge.`, usage: { prompt_tokens: 60, completion_tokens: 20 } }]);
  const id = await submitTicket(ticket(t));

  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(job.kind).toBe('ticket.triage');
  expect(job.result).toEqual({ category: 'billing', priority: 'high', reply: `Hello ${t}, we are refunding the second charge.` });
  expect(job.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
    ['classify', 'SUCCEEDED'],
    ['draft', 'SUCCEEDED'],
  ]);
  expect(job.steps[0].output).toEqual({ category: 'billing', priority: 'high' });
  expect(job.usage).toMatchObject({ calls: 2, promptTokens: 100, completionTokens: 30, totalTokens: 130 });
  // The draft call was told the classification by the earlier step's output.
  expect(withPrompt(fake, draftOf(t))[0]!.rawBody).toContain('billing ticket');

  const events = await getEvents(app, id);
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'STEP_SUCCEEDED').map((e) => e.step.name)).toEqual(['classify', 'draft']);
  expect(events.find((e) => e.type === 'STEP_PROGRESS')?.step).toMatchObject({ name: 'draft', message: 'drafting a reply to a high billing ticket' });
  expect(events.at(-1)!.type).toBe('SUCCEEDED');

  const delivery = await eventually(
    async () => hooks.requests.map((r) => JSON.parse(r.body)).find((b) => b.data?.job?.id === id),
    'the job.succeeded webhook',
    15_000,
  );
  expect(delivery).toMatchObject({ type: 'job.succeeded', data: { job: { kind: 'ticket.triage', status: 'SUCCEEDED', result: job.result } } });
});

test('a failed draft retries the job, which resumes at draft: classify is not asked (or paid) again', async () => {
  const t = tag('retry');
  router.on(classifyOf(t), [{ text: '{"category":"bug","priority":"urgent"}' }]);
  router.on(draftOf(t), [{ status: 500, body: { error: { message: 'upstream broke', type: 'server_error' } } }, { text: 'Sorry, we are on it.' }]);
  const id = await submitTicket(ticket(t), { maxAttempts: 3 });

  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(job.status).toBe('SUCCEEDED');
  expect(job.attempt).toBe(2);
  expect(job.result).toEqual({ category: 'bug', priority: 'urgent', reply: 'Sorry, we are on it.' });
  expect(withPrompt(fake, classifyOf(t))).toHaveLength(1);
  expect(withPrompt(fake, draftOf(t))).toHaveLength(2);
  expect(job.steps.map((s: { attempts: number }) => s.attempts)).toEqual([1, 2]);
  const types = (await getEvents(app, id)).map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['STEP_FAILED', 'RETRY_SCHEDULED', 'SUCCEEDED']));
});

test('cancelJob stops it while its AI call hangs', async () => {
  const t = tag('cancel');
  router.on(classifyOf(t), [{ hang: true }]);
  const id = await submitTicket(ticket(t));
  await fake.waitFor(() => withPrompt(fake, classifyOf(t)).length === 1, 15_000);

  const { cancelJob } = await gqlData(app.url, app.key, CANCEL, { id });
  const job = cancelJob.status === 'CANCELLED' ? await getJob(app, id) : await waitForStatus(app, id, ['CANCELLED'], 5_000);
  expect(job).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED', step: 'classify' } });
  // The hanging request was aborted by the worker, not left open.
  await fake.waitFor(() => withPrompt(fake, classifyOf(t))[0]!.clientClosed, 5_000);
});

test("a job's budget stops it before a call that would pass it, without retrying", async () => {
  const t = tag('budget');
  const id = await submitTicket(ticket(t), { budget: { maxTokens: 10 }, maxAttempts: 3 });
  const job = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000, JOB_FIELDS);
  expect(job).toMatchObject({ status: 'FAILED', attempt: 1, error: { code: 'BUDGET_EXCEEDED', retryable: false, step: 'classify' } });
  expect(withPrompt(fake, classifyOf(t))).toHaveLength(0);
});
