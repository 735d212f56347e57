/**
 * Human review steps through the real API (API and worker in this process, the fake OpenAI
 * server, a real webhook receiver): a chain step with `review` waits in AWAITING_REVIEW, the
 * job.review_requested webhook carries what to review and a one-time callback URL, an EDIT
 * posted there reaches the next step's prompt, a second answer is a CONFLICT (409), an early
 * answer is used, a timeout takes its onTimeout, cancel works while waiting, another tenant
 * cannot answer, and the review queue is `jobs(filter: { status: [AWAITING_REVIEW] })`.
 */
import type { TestApp } from '../../support/app.js';
import type { FakeOpenAi } from '../../support/fake-openai.js';
import { useFakeOpenAiApp } from '../../support/fake-openai-app.js';
import { gql, gqlData } from '../../support/graphql-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { getEvents, getJob, gqlErrors, JOB_FIELDS, ReplyRouter, submitChain, tag, waitForStatus, withPrompt, withUserText } from '../jobs-harness.js';

const started = useFakeOpenAiApp({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,300ms', WEBHOOK_POLL_INTERVAL: '50ms' } });
let fake: FakeOpenAi;
let app: TestApp;
let router: ReplyRouter;
let receiver: WebhookReceiver;

const REVIEW_FIELDS = 'key instructions output requestedAt expiresAt onTimeout callbackUrl answer { decision via by at comment output }';
const FIELDS = `${JOB_FIELDS} steps { name status attempts review { ${REVIEW_FIELDS} } }`;
const REVIEW = `mutation($input: ReviewJobInput!) { reviewJob(input: $input) { id status steps { name status review { ${REVIEW_FIELDS} } } } }`;

beforeAll(async () => {
  ({ fake, app } = started);
  router = new ReplyRouter(fake);
  receiver = await startWebhookReceiver();
  await gqlData(app.url, app.key, `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: ["job.review_requested"] }) { secret } }`, { url: receiver.url });
});
afterAll(async () => {
  await receiver?.close();
});

/** The job.review_requested webhook bodies received for `jobId`. */
function reviewWebhooks(jobId: string): any[] {
  return receiver.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === 'job.review_requested' && b.data.job.id === jobId);
}

async function waitForWebhook(jobId: string): Promise<any> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const [hook] = reviewWebhooks(jobId);
    if (hook) return hook;
  }
  throw new Error(`no job.review_requested webhook for ${jobId}`);
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });

test('draft → review → publish: waits AWAITING_REVIEW, an EDIT at the callback URL reaches the publish prompt, a second answer is CONFLICT', async () => {
  const draft = tag('draft');
  const publish = tag('publish');
  router.on(draft, [{ text: 'A first draft, rather long and rambling.' }]);
  const id = await submitChain(app, [
    { name: 'draft', prompt: `${draft} write a post`, review: { instructions: 'Check the tone' } },
    { name: 'publish', prompt: `${publish} polish: {{steps.draft}}` },
  ]);
  const waiting = await waitForStatus(app, id, ['AWAITING_REVIEW'], 20_000, FIELDS);
  expect(waiting.steps.map((s: any) => s.status)).toEqual(['AWAITING_REVIEW', 'PENDING']);
  const review = waiting.steps[0].review;
  expect(review).toMatchObject({ key: 'review', instructions: 'Check the tone', output: 'A first draft, rather long and rambling.', expiresAt: null, onTimeout: null, answer: null });
  expect(review.callbackUrl).toMatch(/\/reviews\/rv1\./);

  // The review queue is the list of jobs awaiting review.
  const { jobs } = await gqlData(app.url, app.key, `{ jobs(filter: { status: [AWAITING_REVIEW] }) { totalCount edges { node { id } } } }`);
  expect(jobs.edges.map((e: any) => e.node.id)).toContain(id);
  expect(jobs.totalCount).toBeGreaterThanOrEqual(1);

  const hook = await waitForWebhook(id);
  expect(hook.data.review).toMatchObject({ step: 'draft', key: 'review', instructions: 'Check the tone', output: 'A first draft, rather long and rambling.', callbackUrl: review.callbackUrl });
  expect(withPrompt(fake, publish)).toHaveLength(0);

  const answered = await post(hook.data.review.callbackUrl, { decision: 'EDIT', output: 'A short, sharp draft.', comment: 'tightened' });
  expect(answered.status).toBe(200);
  expect(await answered.json()).toMatchObject({ job: { id } });

  const done = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000, FIELDS);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.result.outputs.draft).toBe('A short, sharp draft.');
  const [publishCall] = withPrompt(fake, publish);
  expect(publishCall).toBeDefined();
  expect(JSON.stringify(publishCall!.body)).toContain('A short, sharp draft.');
  // The draft was asked of the model once: the resumed step reused its checkpoint.
  expect(withPrompt(fake, draft)).toHaveLength(1);
  expect(done.steps[0].review.answer).toMatchObject({ decision: 'EDIT', via: 'CALLBACK', by: null, comment: 'tightened', output: 'A short, sharp draft.' });
  expect(done.steps[0].review.callbackUrl).toBeNull();

  // A second answer: CONFLICT from the mutation, 409 from the callback URL.
  const again = await gqlErrors(app, REVIEW, { input: { jobId: id, step: 'draft', decision: 'APPROVE' } });
  expect(again[0]!.extensions?.code).toBe('CONFLICT');
  expect((await post(hook.data.review.callbackUrl, { decision: 'APPROVE' })).status).toBe(409);

  const types = (await getEvents(app, id)).map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['REVIEW_REQUESTED', 'REVIEWED']));
  expect(types.indexOf('REVIEW_REQUESTED')).toBeLessThan(types.indexOf('REVIEWED'));
  expect(types.at(-1)).toBe('SUCCEEDED');
}, 60_000);

test('an answer sent before the job reaches its review is kept and used', async () => {
  const slow = tag('slow');
  const next = tag('next');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  router.on(slow, [async () => (await held, { text: 'slow draft' })]);
  const id = await submitChain(app, [
    { name: 'draft', prompt: `${slow} write`, review: {} },
    { name: 'final', prompt: `${next} use {{steps.draft}}` },
  ]);
  await fake.waitFor(() => withPrompt(fake, slow).length === 1, 15_000);
  const { reviewJob } = await gqlData(app.url, app.key, REVIEW, { input: { jobId: id, step: 'draft', decision: 'APPROVE', comment: 'pre-approved' } });
  expect(reviewJob.status).toBe('RUNNING');
  release();
  const done = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000, FIELDS);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.steps[0].review.answer).toMatchObject({ decision: 'APPROVE', via: 'API_KEY', comment: 'pre-approved', by: expect.stringMatching(/^[0-9a-f]{16}$/) });
  expect(withUserText(fake, 'slow draft').some((r) => JSON.stringify(r.body).includes(next))).toBe(true);
}, 60_000);

test('timeout with onTimeout REJECT fails the job with REVIEW_REJECTED, not retried', async () => {
  const t = tag('timeout');
  const id = await submitChain(app, [{ name: 'draft', prompt: `${t} write`, review: { timeout: '1s', onTimeout: 'REJECT' } }], { maxAttempts: 3 });
  const job = await waitForStatus(app, id, ['FAILED', 'SUCCEEDED'], 30_000, FIELDS);
  expect(job.status).toBe('FAILED');
  expect(job.error).toMatchObject({ code: 'REVIEW_REJECTED', retryable: false, step: 'draft' });
  expect(job.attempt).toBe(1);
  expect(job.steps[0].review.answer).toMatchObject({ decision: 'REJECT', via: 'TIMEOUT', by: null });
}, 60_000);

test('REJECT fails the job; a retry asks the model and the reviewer again', async () => {
  const t = tag('reject');
  const id = await submitChain(app, [{ name: 'draft', prompt: `${t} write`, review: {} }]);
  await waitForStatus(app, id, ['AWAITING_REVIEW'], 20_000);
  const { reviewJob } = await gqlData(app.url, app.key, REVIEW, { input: { jobId: id, step: 'draft', decision: 'REJECT', comment: 'off topic' } });
  expect(reviewJob.status).toBe('FAILED');
  const failed = await getJob(app, id, FIELDS);
  expect(failed.error).toMatchObject({ code: 'REVIEW_REJECTED', retryable: false });
  expect(failed.error.message).toContain('off topic');

  await gqlData(app.url, app.key, `mutation($id: ID!) { retryJob(id: $id) { id } }`, { id });
  const again = await waitForStatus(app, id, ['AWAITING_REVIEW'], 20_000, FIELDS);
  expect(again.steps[0].review.answer).toBeNull();
  expect(withPrompt(fake, t)).toHaveLength(2);
  await gqlData(app.url, app.key, REVIEW, { input: { jobId: id, step: 'draft', decision: 'APPROVE' } });
  expect((await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000)).status).toBe('SUCCEEDED');
}, 60_000);

test('cancel works while a job waits for its review', async () => {
  const t = tag('cancel');
  const id = await submitChain(app, [{ name: 'draft', prompt: `${t} write`, review: {} }]);
  await waitForStatus(app, id, ['AWAITING_REVIEW'], 20_000);
  await gqlData(app.url, app.key, `mutation($id: ID!) { cancelJob(id: $id) { status } }`, { id });
  // Cancelled at once when parked; by its worker right after parking when it was still being parked.
  const cancelled = await waitForStatus(app, id, ['CANCELLED'], 5_000);
  expect(cancelled.steps.map((s: any) => s.status)).toEqual(['CANCELLED']);
  const late = await gqlErrors(app, REVIEW, { input: { jobId: id, step: 'draft', decision: 'APPROVE' } });
  expect(late[0]!.extensions?.code).toBe('CONFLICT');
}, 60_000);

test('bad answers are refused naming the field; another tenant cannot answer; a forged link is 401', async () => {
  const t = tag('refuse');
  const id = await submitChain(app, [
    { name: 'draft', prompt: `${t} write`, review: {} },
    { name: 'plain', prompt: `${t} more` },
  ]);
  const waiting = await waitForStatus(app, id, ['AWAITING_REVIEW'], 20_000, FIELDS);
  const errorOf = async (input: Record<string, unknown>) => (await gqlErrors(app, REVIEW, { input: { jobId: id, ...input } }))[0]!.extensions;
  expect(await errorOf({ step: 'nope', decision: 'APPROVE' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'step'] });
  expect(await errorOf({ step: 'draft', decision: 'EDIT' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'output'] });
  expect(await errorOf({ step: 'draft', decision: 'APPROVE', output: 'x' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'output'] });
  expect(await errorOf({ step: 'plain', decision: 'APPROVE' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'step'] });

  const other = await app.newTenantKey(tag('other'));
  const foreign = await gql(app.url, other, REVIEW, { input: { jobId: id, step: 'draft', decision: 'APPROVE' } });
  expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

  const url: string = waiting.steps[0].review.callbackUrl;
  const forged = url.slice(0, -4) + (url.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  expect((await post(forged, { decision: 'APPROVE' })).status).toBe(401);
  const badBody = await post(url, { decision: 'MAYBE' });
  expect(badBody.status).toBe(400);
  expect(await badBody.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', path: ['decision'] } });
  expect((await getJob(app, id)).status).toBe('AWAITING_REVIEW');
  await gqlData(app.url, app.key, `mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id });
}, 60_000);

test('analyzeDocuments with review: each job waits at its review step, and an edit is its result', async () => {
  const { analyzeDocuments } = await gqlData(
    app.url,
    app.key,
    `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id jobs { edges { node { id } } } } }`,
    { input: { documents: [{ name: 'memo', text: `Revenue grew ${tag('memo')} while costs fell.` }], review: { instructions: 'Is the summary fair?' } } },
  );
  const id: string = analyzeDocuments.jobs.edges[0].node.id;
  const waiting = await waitForStatus(app, id, ['AWAITING_REVIEW'], 30_000, FIELDS);
  expect(waiting.steps.map((s: any) => s.name)).toEqual(['prepare', 'summarize', 'combine', 'extract', 'review']);
  expect(waiting.steps[4].review.output).toMatchObject({ summary: expect.any(String), keyPoints: expect.any(Array) });
  const edited = { ...waiting.steps[4].review.output, summary: 'Edited by a person.' };
  await gqlData(app.url, app.key, REVIEW, { input: { jobId: id, step: 'review', decision: 'EDIT', output: edited } });
  const done = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 20_000);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.result).toMatchObject({ summary: 'Edited by a person.', chunks: 1 });
}, 60_000);

test('timeout with onTimeout APPROVE goes on; its link then answers 410 Gone', async () => {
  const t = tag('approve-late');
  const id = await submitChain(app, [
    { name: 'draft', prompt: `${t} write`, review: { timeout: '2s', onTimeout: 'APPROVE' } },
    { name: 'next', prompt: `${t} then {{steps.draft}}` },
  ]);
  const waiting = await waitForStatus(app, id, ['AWAITING_REVIEW'], 20_000, FIELDS);
  const url: string = waiting.steps[0].review.callbackUrl;
  expect(waiting.steps[0].review.onTimeout).toBe('APPROVE');
  const done = await waitForStatus(app, id, ['SUCCEEDED', 'FAILED'], 30_000, FIELDS);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.steps[0].review.answer).toMatchObject({ decision: 'APPROVE', via: 'TIMEOUT' });
  const late = await post(url, { decision: 'REJECT' });
  expect(late.status).toBe(410);
  expect(await late.json()).toMatchObject({ error: { code: 'GONE' } });
}, 60_000);

test('a scoped access token answers the reviews of its own jobs only', async () => {
  const t = tag('token');
  const mine = await submitChain(app, [{ name: 'draft', prompt: `${t} mine`, review: {} }]);
  const other = await submitChain(app, [{ name: 'draft', prompt: `${t} other`, review: {} }]);
  await waitForStatus(app, mine, ['AWAITING_REVIEW'], 20_000);
  await waitForStatus(app, other, ['AWAITING_REVIEW'], 20_000);
  const { createAccessToken } = await gqlData(app.url, app.key, `mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token } }`, { input: { jobIds: [mine] } });
  const token: string = createAccessToken.token;
  const refused = await gql(app.url, token, REVIEW, { input: { jobId: other, step: 'draft', decision: 'APPROVE' } });
  expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const { reviewJob } = await gqlData(app.url, token, REVIEW, { input: { jobId: mine, step: 'draft', decision: 'APPROVE' } });
  expect(reviewJob.steps[0].review.answer).toMatchObject({ decision: 'APPROVE', via: 'ACCESS_TOKEN', by: expect.stringMatching(/^[0-9a-f]{16}$/) });
  // A token sees no callback URL (it would outlive the token).
  const { job } = await gqlData(app.url, token, `query($id: ID!) { job(id: $id) { steps { review { callbackUrl } } } }`, { id: mine });
  expect(job.steps[0].review.callbackUrl).toBeNull();
  await gqlData(app.url, app.key, `mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id: other });
}, 60_000);
