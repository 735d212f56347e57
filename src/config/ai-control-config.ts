/**
 * Settings for steering AI work: which models jobs may ask for, the shared per-model
 * rate limits, tenant fairness and the live output stream. Read once with the rest.
 */
import { ConfigError, type Env, readDuration, readInt, readOptional } from './parse.js';

export interface AiControlConfig {
  /** AI_MODELS: models a job may ask for; the first is not special (OPENAI_MODEL is the default). */
  models: readonly string[];
  /** AI_RPM: requests per minute per model, shared by every worker; `*` applies to models not named. Empty: unlimited. */
  rpm: Readonly<Record<string, number>>;
  /** AI_TPM: tokens per minute per model (prompt plus the answer's cap), like AI_RPM. */
  tpm: Readonly<Record<string, number>>;
  /** AI_RATE_WINDOW: the sliding window AI_RPM/AI_TPM are kept over (scaled from per minute). @default 60 s */
  rateWindowMs: number;
  /** TENANT_MAX_RUNNING: jobs of one tenant running at once across all workers. */
  tenantMaxRunning: number;
  /** True when AI_CONTEXT_TOKENS is set: then it applies to every model. */
  contextTokensFixed: boolean;
  /** STREAM_FLUSH_INTERVAL: how often a streaming step's text is written (at most). */
  streamFlushMs: number;
  /** STREAM_POLL_INTERVAL: how often an API process reads streaming jobs for its subscribers. */
  streamPollMs: number;
}

export function readAiControl(
  env: Env,
  defaults: { model: string; priced: readonly string[]; concurrency: number },
): AiControlConfig {
  return {
    models: readModels(env, defaults),
    rpm: readPerModel(env, 'AI_RPM'),
    tpm: readPerModel(env, 'AI_TPM'),
    rateWindowMs: readDuration(env, 'AI_RATE_WINDOW', '60s'),
    tenantMaxRunning: readInt(env, 'TENANT_MAX_RUNNING', Math.max(1, Math.floor(defaults.concurrency / 2)), 1, 100_000),
    contextTokensFixed: readOptional(env, 'AI_CONTEXT_TOKENS') !== undefined,
    streamFlushMs: readDuration(env, 'STREAM_FLUSH_INTERVAL', '250ms'),
    streamPollMs: readDuration(env, 'STREAM_POLL_INTERVAL', '150ms'),
  };
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

function readModels(env: Env, d: { model: string; priced: readonly string[] }): string[] {
  const raw = readOptional(env, 'AI_MODELS');
  if (raw === undefined) return [...new Set([d.model, ...d.priced])];
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0 || !names.every((n) => MODEL_NAME.test(n))) {
    throw new ConfigError('AI_MODELS', raw, 'a comma-separated list of model names, e.g. gpt-4o-mini,gpt-4o');
  }
  // The default model is always allowed: jobs that name none run on it.
  return [...new Set([d.model, ...names])];
}

/** `60` (every model) or `gpt-4o=60,gpt-4o-mini=500,*=100`. */
function readPerModel(env: Env, name: string): Record<string, number> {
  const raw = readOptional(env, name);
  if (raw === undefined) return {};
  const expected = 'a whole number per minute (every model), or model=N pairs such as gpt-4o=60,*=100';
  if (/^\s*\d+\s*$/.test(raw)) return { '*': positive(name, raw, raw.trim(), expected) };
  const out: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new ConfigError(name, raw, expected);
    out[m[1]!] = positive(name, raw, m[2]!, expected);
  }
  return out;
}

function positive(name: string, raw: string, digits: string, expected: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(name, raw, expected);
  return n;
}

/** The per-minute limit for `model`, or undefined when unlimited. */
export function perMinuteLimit(table: Readonly<Record<string, number>>, model: string): number | undefined {
  return Object.hasOwn(table, model) ? table[model] : table['*'];
}
