/**
 * Shared helpers of the jobs suites: the GraphQL fields they read, submitting and
 * waiting for jobs, and telling the fake OpenAI server's requests apart by what they ask
 * (which pipeline step made them, which chunk or prompt they carry).
 */
import type { ChainStepInput } from '../../src/jobs/pipelines/chain.pipeline.js';
import type { TestApp } from '../support/app.js';
import { startOpenAiApp } from '../support/fake-openai-app.js';
import type { FakeOpenAi, FakeReply, RecordedRequest } from '../support/fake-openai.js';
import { gql, gqlData, pollUntil } from '../support/graphql-client.js';

export const USAGE_FIELDS = 'calls promptTokens completionTokens totalTokens costUsd';
export const ERROR_FIELDS = 'code message retryable step at';
export const STEP_FIELDS = `index name status message attempts startedAt finishedAt durationMs output
  progress { completed total percent message } error { ${ERROR_FIELDS} } usage { ${USAGE_FIELDS} }`;
export const JOB_FIELDS = `id kind status input result attempt maxAttempts priority idempotencyKey metadata
  createdAt startedAt finishedAt
  progress { completed total percent message }
  error { ${ERROR_FIELDS} }
  usage { ${USAGE_FIELDS} }
  steps { ${STEP_FIELDS} }`;
export const EVENT_FIELDS = 'sequence type at message progress { completed total percent message } step { name status message attempts }';

export { startOpenAiApp };

/** A marker unique to one test, e.g. `hangs-k3x9qa`, so its requests can be told from others'. */
export const tag = (name: string): string => `${name}-${Math.random().toString(36).slice(2, 8)}`;

export async function submitChain(
  app: Pick<TestApp, 'url' | 'key'>,
  steps: ChainStepInput[],
  extra: { maxAttempts?: number; variables?: Record<string, unknown>; idempotencyKey?: string } = {},
): Promise<string> {
  const { variables, ...rest } = extra;
  const { submitJob } = await gqlData(
    app.url,
    app.key,
    `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id status } }`,
    { input: { kind: 'chain', input: { steps, ...(variables ? { variables } : {}) }, ...rest } },
  );
  return submitJob.id as string;
}

export async function submitDocument(app: Pick<TestApp, 'url' | 'key'>, text: string, extra: { maxAttempts?: number } = {}): Promise<string> {
  const { submitJob } = await gqlData(
    app.url,
    app.key,
    `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`,
    { input: { kind: 'document.analyze', input: { name: 'doc', text }, ...extra } },
  );
  return submitJob.id as string;
}

export async function getJob(app: Pick<TestApp, 'url' | 'key'>, id: string, fields = JOB_FIELDS): Promise<any> {
  const { job } = await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { ${fields} } }`, { id });
  return job;
}

export async function getEvents(app: Pick<TestApp, 'url' | 'key'>, id: string): Promise<any[]> {
  const { job } = await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { events { ${EVENT_FIELDS} } } }`, { id });
  return job.events as any[];
}

const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * Polls the job until its status is one of `statuses`. A finished job's terminal event
 * follows its saved state by a moment (finish.ts): for a finished status this also waits
 * for that event, so a test may read the events at once.
 */
export async function waitForStatus(app: Pick<TestApp, 'url' | 'key'>, id: string, statuses: string[], timeoutMs = 20_000, fields = JOB_FIELDS): Promise<any> {
  const job = await pollUntil(
    () => getJob(app, id, fields),
    (job) => job !== null && statuses.includes(job.status),
    timeoutMs,
  );
  if (FINISHED.includes(job.status)) {
    const types = async () =>
      ((await gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { events(limit: 1000) { type } } }`, { id })).job?.events ?? []).map((e: { type: string }) => e.type);
    await pollUntil(types, (t: string[]) => t.includes(job.status), timeoutMs);
  }
  return job;
}

/** The GraphQL errors of a request that must fail; fails the test when it succeeds. */
export async function gqlErrors(app: Pick<TestApp, 'url' | 'key'>, query: string, variables?: Record<string, unknown>) {
  const res = await gql(app.url, app.key, query, variables);
  if (!res.errors?.length) throw new Error(`expected errors, got ${JSON.stringify(res.data)}`);
  return res.errors;
}

// ---- the fake's requests -------------------------------------------------------------

const messagesOf = (r: RecordedRequest): Array<{ role: string; content: string }> =>
  (r.body?.messages ?? []).map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : '' }));

export const systemOf = (r: RecordedRequest): string => messagesOf(r).find((m) => m.role === 'system')?.content ?? '';
export const userOf = (r: RecordedRequest): string => messagesOf(r).filter((m) => m.role === 'user').map((m) => m.content).join('\n');

export const isSummarize = (r: RecordedRequest): boolean => systemOf(r).includes('Summarise the given part of a document');
export const isCombine = (r: RecordedRequest): boolean => systemOf(r).includes('Combine these partial summaries');
export const isExtract = (r: RecordedRequest): boolean => systemOf(r).includes('Extract structured facts');

/** Requests whose user message contains `marker` (e.g. a chunk's text). */
export const withUserText = (fake: FakeOpenAi, marker: string): RecordedRequest[] => fake.requestsMatching((r) => userOf(r).includes(marker));

/**
 * Requests whose user message starts with `prefix`: a chain prompt's own request, not a
 * later step's whose prompt quotes its output.
 */
export const withPrompt = (fake: FakeOpenAi, prefix: string): RecordedRequest[] => fake.requestsMatching((r) => userOf(r).startsWith(prefix));

/** `count` distinct sentences of prose, each carrying a unique marker `${tag}-${i}`. */
export function prose(tag: string, count: number): string {
  const words = ['analysis', 'quarterly', 'revenue', 'customers', 'pipeline', 'latency', 'budget', 'forecast', 'risk', 'growth'];
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) {
    const filler = Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    sentences.push(`Sentence ${tag}-${i} says the ${filler} matters.`);
  }
  // Paragraphs of five sentences, so the chunker has natural breaks to prefer.
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 5) paragraphs.push(sentences.slice(i, i + 5).join(' '));
  return paragraphs.join('\n\n');
}

/**
 * Scripted replies by prompt: a request whose user message starts with a marker (or, with
 * `{ contains: true }`, contains it) gets that marker's next reply, then the default
 * answer once its list runs out. Tests in one file share a fake; routing by their own
 * markers keeps one test's script away from another test's jobs.
 */
export class ReplyRouter {
  private readonly routes = new Map<string, { contains: boolean; replies: Array<FakeReply | (() => FakeReply | Promise<FakeReply>)> }>();

  constructor(fake: FakeOpenAi) {
    fake.onRequest(async (req) => {
      const text = userOf(req);
      for (const [marker, { contains, replies }] of this.routes) {
        if (!(contains ? text.includes(marker) : text.startsWith(marker))) continue;
        const next = replies.shift();
        return typeof next === 'function' ? next() : next;
      }
      return undefined;
    });
  }

  /** Replies for the next requests that carry `marker`, in order. */
  on(marker: string, replies: Array<FakeReply | (() => FakeReply | Promise<FakeReply>)>, opts: { contains?: boolean } = {}): this {
    const route = this.routes.get(marker) ?? { contains: opts.contains === true, replies: [] };
    route.replies.push(...replies);
    this.routes.set(marker, route);
    return this;
  }
}
