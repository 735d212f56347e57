/**
 * The fake OpenAI server's vocabulary: what a test can script (`FakeReply`), what it
 * records (`RecordedRequest`), canned errors in OpenAI's shape, and the default answer.
 */
import type http from 'node:http';

/** What the fake does with one request. Fields combine: `{ delayMs: 50, status: 500 }`. */
export interface FakeReply {
  /** HTTP status. @defaultValue 200 */
  status?: number;
  /** Extra response headers, e.g. `{ 'retry-after-ms': '300' }`. */
  headers?: Record<string, string>;
  /** A raw JSON body sent as is (for errors, or a malformed answer). Overrides the rest. */
  body?: unknown;
  /** The answer's `message.content`. @defaultValue derived from the last user message */
  text?: string;
  /** Sets `message.refusal` (and content null), as a model's refusal does. */
  refusal?: string;
  /** @defaultValue 'stop' */
  finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
  /** `null` leaves `usage` out of the answer. @defaultValue estimated from the text */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | null;
  /** Reports this many of the prompt tokens as served from the prompt cache (`usage.prompt_tokens_details.cached_tokens`). */
  cachedTokens?: number;
  /**
   * The `service_tier` the answer reports. @defaultValue as OpenAI documents it: the tier that
   * served the call when the request set `service_tier` (`flex` as asked, `auto` → `default`), else
   * left out; `null` always leaves it out.
   */
  serviceTier?: string | null;
  /** @defaultValue the request's model */
  model?: string;
  /** Never answer; the connection stays open until the client gives up or the fake closes. */
  hang?: boolean;
  /** Drop the TCP connection without a response: the client sees a connection failure. */
  destroySocket?: boolean;
  /** Wait this long before doing the rest (cut short if the client goes away). */
  delayMs?: number;
  /** For a streamed answer (`stream: true`): the pause between two pieces, in ms. @defaultValue 0 */
  chunkDelayMs?: number;
  /**
   * Answer with `message.tool_calls` (content null unless `text` is given, finish reason
   * `tool_calls`). `arguments`: an object is sent as its JSON, a string as is (to script bad JSON).
   */
  toolCalls?: FakeToolCall[];
}

export interface FakeToolCall {
  /** @defaultValue `call_<n>_<i>` */
  id?: string;
  name: string;
  arguments: unknown;
}

/** The parts of a Chat Completions request body tests usually look at. */
export interface FakeChatBody {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  response_format?: { type: string };
  max_tokens?: number;
  max_completion_tokens?: number;
  /** The tier asked for (`flex` for a FLEX job). */
  service_tier?: string;
  /** The prompt-cache grouping key the client sent. */
  prompt_cache_key?: string;
  [field: string]: unknown;
}

export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body; undefined when it was not a JSON object. */
  body: FakeChatBody | undefined;
  rawBody: string;
  /** `Date.now()` when the request body had arrived. */
  receivedAt: number;
  /** True when the client closed the connection before a response was sent (not set by `destroySocket`). */
  clientClosed: boolean;
  /** `Date.now()` when the response was sent or the client closed; undefined while open. */
  endedAt?: number;
}

/** Canned error bodies in OpenAI's shape. */
export const fakeErrors = {
  rateLimited: (headers: Record<string, string> = {}): FakeReply => ({
    status: 429,
    headers,
    body: { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded', param: null } },
  }),
  insufficientQuota: (): FakeReply => ({
    status: 429,
    body: { error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', code: 'insufficient_quota', param: null } },
  }),
  serverError: (status = 500): FakeReply => ({
    status,
    body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', code: null, param: null } },
  }),
  contextLengthExceeded: (): FakeReply => ({
    status: 400,
    body: {
      error: {
        message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
      },
    },
  }),
  invalidRequest: (message = 'Invalid request'): FakeReply => ({
    status: 400,
    body: { error: { message, type: 'invalid_request_error', code: null, param: null } },
  }),
  unauthorized: (): FakeReply => ({
    status: 401,
    body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key', param: null } },
  }),
};

export function completionBody(reply: FakeReply, record: RecordedRequest, n: number): unknown {
  const body: FakeChatBody = record.body ?? {};
  const lastUser = lastUserMessage(body.messages);
  const wantsJson = body.response_format?.type === 'json_object' || body.response_format?.type === 'json_schema';
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${n}_${i + 1}`,
    type: 'function',
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
  const content =
    reply.refusal !== undefined ? null : toolCalls.length > 0 ? (reply.text ?? null) : (reply.text ?? defaultAnswer(lastUser, wantsJson));
  const promptTokens = estimateTokens(JSON.stringify(body.messages ?? ''));
  const completionTokens = estimateTokens(content ?? reply.refusal ?? '');
  const baseUsage =
    reply.usage === null
      ? undefined
      : (reply.usage ?? { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
  const usage =
    baseUsage && reply.cachedTokens !== undefined
      ? { ...baseUsage, prompt_tokens_details: { ...baseUsage.prompt_tokens_details, cached_tokens: reply.cachedTokens } }
      : baseUsage;
  const tier = reply.serviceTier === undefined ? servedTier(body.service_tier) : reply.serviceTier;
  return {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion',
    created: 1_700_000_000 + n,
    model: reply.model ?? (typeof body.model === 'string' ? body.model : 'fake-model'),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: reply.refusal ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
        logprobs: null,
      },
    ],
    ...(usage ? { usage } : {}),
    ...(tier !== null ? { service_tier: tier } : {}),
  };
}

/** What OpenAI reports for the tier asked for: `flex` (and the others) as asked, `auto` as `default`, nothing when none was asked for. */
const servedTier = (asked: unknown): string | null => (typeof asked !== 'string' ? null : asked === 'auto' ? 'default' : asked);

/** Deterministic, so tests can assert on it: plain text echoes; JSON is the analysis shape. */
function defaultAnswer(lastUser: string, json: boolean): string {
  const firstSentence = lastUser.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s/)[0]!.slice(0, 200);
  if (!json) return `fake answer: ${firstSentence}`;
  const words = [...new Set(lastUser.toLowerCase().match(/[a-z]{5,}/g) ?? [])].sort().slice(0, 3);
  return JSON.stringify({ keyPoints: [firstSentence], topics: words, sentiment: 'neutral', entities: [] });
}

function lastUserMessage(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown };
    if (m?.role === 'user' && typeof m.content === 'string') return m.content;
  }
  return '';
}

const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

export function parseBody(text: string): FakeChatBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as FakeChatBody) : undefined;
  } catch {
    return undefined;
  }
}

/** One piece of a streamed answer per word (whitespace rides with the word before it). */
export function streamPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * The server-sent events of a streamed answer, built from the plain answer: a role piece,
 * one piece per word (or the refusal), the finish reason, and the usage when asked for.
 */
export function streamEvents(reply: FakeReply, record: RecordedRequest, n: number): unknown[] {
  const full = completionBody(reply, record, n) as {
    id: string;
    created: number;
    model: string;
    choices: Array<{
      message: { content: string | null; refusal: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };
      finish_reason: string;
    }>;
    usage?: unknown;
    service_tier?: string;
  };
  const choice = full.choices[0]!;
  const base = {
    id: full.id,
    object: 'chat.completion.chunk',
    created: full.created,
    model: full.model,
    ...(full.service_tier !== undefined ? { service_tier: full.service_tier } : {}),
  };
  const piece = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const events: unknown[] = [piece({ role: 'assistant', content: '' })];
  if (choice.message.refusal) events.push(piece({ refusal: choice.message.refusal }));
  for (const word of streamPieces(choice.message.content ?? '')) events.push(piece({ content: word }));
  // Tool calls in pieces, as OpenAI streams them: id and name first, then the arguments in two halves.
  for (const [index, call] of (choice.message.tool_calls ?? []).entries()) {
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    events.push(piece({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    events.push(piece({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] }));
    events.push(piece({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }));
  }
  events.push(piece({}, choice.finish_reason));
  const body = record.body ?? {};
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (includeUsage && full.usage) events.push({ ...base, choices: [], usage: full.usage });
  return events;
}
