/**
 * The offline AI provider: deterministic, marked answers with no network and no key, for
 * development, demos and tests of everything around the model.
 */
import { createHash } from 'node:crypto';
import { AiError, AiErrorCode, cancelledError } from './ai-error.js';
import type { AiProvider, ChatMessage, CompletionRequest, CompletionResult } from './provider.js';
import { nextOfflineToolCall, offlineToolSummary } from './offline-tools.js';
import { splitSentences } from './text-segments.js';
import { countTokens, splitIntoChunks } from './tokens.js';
import { createOfflineBatches, memoryBatchStore, type OfflineBatchStore } from './offline-batches.js';

export interface OfflineProviderOptions {
  /** The model name reported in results. @defaultValue 'offline' */
  model?: 'offline';
  /** Where its Batch API keeps files and batches (the database, for a fleet). @defaultValue this process's memory */
  batchStore?: OfflineBatchStore;
}

/** Every offline answer carries this marker, so no one mistakes it for a model's work. */
export const OFFLINE_MARKER = '[offline]';

/**
 * A deterministic stand-in for development, demos and tests: no network, no key, the same
 * answer for the same prompt. Text answers start with "[offline]"; JSON answers (which
 * must stay parseable) carry the marker at the start of every string they make up.
 */
export function createOfflineProvider(opts: OfflineProviderOptions = {}): AiProvider {
  const model = opts.model ?? 'offline';
  const promptCache = new OfflinePromptCache();

  async function complete(req: CompletionRequest): Promise<CompletionResult> {
    if (req.signal?.aborted) throw cancelledError(req.signal.reason).withAttempts(0);
    if (!Array.isArray(req.messages) || req.messages.length === 0) {
      throw new AiError(AiErrorCode.INVALID_INPUT, 'a completion needs at least one message', { retryable: false });
    }
    const source = subjectOf(req.messages);
    // Offered tools: call each once, then answer from their results (see offline-tools.ts).
    const toolCall = req.tools && req.tools.length > 0 ? nextOfflineToolCall(req.messages, req.tools, source) : undefined;
    const text = toolCall
      ? ''
      : req.tools && req.tools.length > 0
        ? `${OFFLINE_MARKER} ${offlineToolSummary(req.messages)}`
        : req.json
          ? JSON.stringify(jsonAnswer(req.messages, source))
          : textAnswer(source, req.maxTokens);
    // Streams as a model would, word by word (the whitespace rides with the word before it).
    if (req.onText) for (const word of text.match(/\S+\s*|\s+/g) ?? []) req.onText(word);
    const promptTokens = req.messages.reduce((sum, m) => sum + countTokens(m.content), 0);
    const completionTokens = countTokens(text);
    const cachedPromptTokens = promptCache.cachedTokens(req.model ?? model, req.promptCacheKey, req.messages);
    return {
      text,
      // The offline stand-in answers every allowed model alike, and names the one asked for.
      model: req.model ?? model,
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, ...(cachedPromptTokens > 0 ? { cachedPromptTokens } : {}) },
      offline: true,
      attempts: 1,
      finishReason: toolCall ? 'tool_calls' : 'stop',
      serviceTier: req.serviceTier ?? 'default',
      ...(toolCall ? { toolCalls: [toolCall] } : {}),
    };
  }

  return { name: 'offline', model, complete, batches: createOfflineBatches(complete, opts.batchStore ?? memoryBatchStore(), model) };
}

/** Prompts shorter than this are never cached, as with OpenAI's prompt caching. */
const MIN_CACHED_PROMPT = 1_024;
/** Cache hits come in steps of this many tokens. */
const CACHED_STEP = 128;
const MAX_REMEMBERED = 10_000;

/**
 * OpenAI's prompt caching, imitated so the offline stand-in reports cached input tokens
 * too: a request whose leading messages (1,024 tokens or more) were sent before under the
 * same model and `prompt_cache_key` reports them as cached, rounded down to 128 tokens.
 * Prefixes are whole messages (the real cache matches token by token); the memory is this
 * process's, bounded, oldest forgotten first.
 */
class OfflinePromptCache {
  private readonly seen = new Map<string, true>();

  cachedTokens(model: string, key: string | undefined, messages: ChatMessage[]): number {
    const hash = createHash('sha256').update(`${model}\n${key ?? ''}`);
    let tokens = 0;
    let cached = 0;
    for (const m of messages) {
      hash.update(`\n${m.role}\n${m.content.length}\n${m.content}`);
      tokens += countTokens(m.content);
      const prefix = hash.copy().digest('hex');
      if (this.seen.has(prefix)) cached = tokens;
      else this.remember(prefix);
    }
    return cached < MIN_CACHED_PROMPT ? 0 : Math.floor(cached / CACHED_STEP) * CACHED_STEP;
  }

  private remember(prefix: string): void {
    this.seen.set(prefix, true);
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }
}

function textAnswer(source: string, maxTokens: number | undefined): string {
  const text = `${OFFLINE_MARKER} ${summarize(source, 2)}`;
  if (maxTokens === undefined || maxTokens < 1) return text;
  return splitIntoChunks(text, Math.floor(maxTokens))[0] ?? '';
}

const ANALYSIS_KEYS = ['keyPoints', 'topics', 'sentiment', 'entities'] as const;

/** The shape the prompt asks for: the analysis object when it names those keys, else `{ output }`. */
function jsonAnswer(messages: ChatMessage[], source: string): Record<string, unknown> {
  const prompt = messages.map((m) => m.content).join('\n');
  if (!ANALYSIS_KEYS.some((key) => new RegExp(`\\b${key}\\b`).test(prompt))) {
    return { output: `${OFFLINE_MARKER} ${summarize(source, 2)}` };
  }
  const answer: Record<string, unknown> = {};
  // Only a quoted key or `summary:` counts as asking for it; the word alone is common in prose.
  if (/"summary"|\bsummary\s*:/.test(prompt)) answer['summary'] = `${OFFLINE_MARKER} ${summarize(source, 2)}`;
  answer['keyPoints'] = sentences(source).slice(0, 3).map((s) => `${OFFLINE_MARKER} ${clip(s, 200)}`);
  answer['topics'] = topWords(source, 3);
  answer['sentiment'] = 'neutral';
  answer['entities'] = [];
  return answer;
}

/**
 * The text the prompt is about: the last user message, narrowed to a delimited block
 * (<document>…</document>, triple quotes, a code fence) or to what follows the last
 * "…:" instruction line, when the prompt has one.
 */
function subjectOf(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1]!;
  const content = last.content;
  const block =
    /<(document|text|input|chunk)\b[^>]*>([\s\S]*?)<\/\1>/i.exec(content)?.[2] ??
    /"""([\s\S]*?)"""/.exec(content)?.[1] ??
    /```[^\n]*\n([\s\S]*?)```/.exec(content)?.[1];
  if (block !== undefined && block.trim() !== '') return block.trim();
  const lines = content.split('\n');
  for (let i = lines.length - 2; i >= 0; i--) {
    if (/:\s*$/.test(lines[i]!)) {
      const after = lines.slice(i + 1).join('\n').trim();
      if (after !== '') return after;
    }
  }
  return content.trim();
}

function sentences(text: string): string[] {
  return splitSentences(text)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);
}

function summarize(text: string, count: number): string {
  const first = sentences(text).slice(0, count).join(' ');
  return first === '' ? '(empty input)' : clip(first, 400);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

const STOPWORDS = new Set(
  'about above after again against also among because been before being below between both could does doing down during each from further have having here however into itself just more most much must only other over same should some such than that their them then there these they this those through under until very were what when where which while will with within would your yours'.split(
    ' ',
  ),
);

/** The most frequent longer words, ties broken alphabetically so the answer is stable. */
function topWords(text: string, n: number): string[] {
  const counts = new Map<string, number>();
  for (const match of text.toLowerCase().matchAll(/\p{L}[\p{L}\p{N}'-]{3,}/gu)) {
    const word = match[0];
    if (!STOPWORDS.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([word]) => word);
}
