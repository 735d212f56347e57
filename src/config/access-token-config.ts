/**
 * Settings of scoped access tokens (createAccessToken): their lifetime, their own request
 * and connection limits, and the ceiling of what a token may ask for when it submits (its
 * "allowance"; a token minted with narrower values keeps those). Read once with the rest.
 */
import { ConfigError, type Env, readDuration, readInt, readOptional } from './parse.js';

/** What jobs submitted with one access token may ask for; fixed when the token is minted. */
export interface SubmitAllowance {
  /** Models the token's jobs may use, for the whole job and per step. */
  models: readonly string[];
  /** Highest priority; a job that names none gets 0, or this when it is below 0. */
  maxPriority: number;
  /** Most attempts per job; a job that names none gets the default, capped at this. */
  maxAttempts: number;
  /** Cap on one AI call's answer; a job that names none is capped at this. */
  maxOutputTokens: number;
  /** The budget every job gets (a job may name a smaller one); never both null. */
  budget: { maxCostUsd: number | null; maxTokens: number | null };
}

export interface AccessTokenConfig {
  /** ACCESS_TOKEN_DEFAULT_TTL: lifetime when the request names none. @default 15 minutes */
  defaultTtlMs: number;
  /** ACCESS_TOKEN_MAX_TTL: the longest lifetime a token may ask for. @default 24 hours */
  maxTtlMs: number;
  /** ACCESS_TOKEN_RECHECK: how often an open WebSocket authenticated by a token checks that it is still valid. @default 30 s */
  recheckMs: number;
  /** ACCESS_TOKEN_RATE_LIMIT: GraphQL requests per token per minute (HTTP and WebSocket), besides the tenant's API_RATE_LIMIT. @default 120 */
  requestsPerMinute: number;
  /** ACCESS_TOKEN_MAX_CONNECTIONS: open WebSockets per token over all API processes, besides MAX_CONNECTIONS_PER_TENANT. @default 5 */
  maxConnections: number;
  /**
   * The widest allowance a token gets, and the one it gets when minted without narrower values:
   * ACCESS_TOKEN_MODELS (@default OPENAI_MODEL), ACCESS_TOKEN_MAX_PRIORITY (@default 0),
   * ACCESS_TOKEN_MAX_ATTEMPTS (@default JOB_DEFAULT_MAX_ATTEMPTS, at most 20),
   * ACCESS_TOKEN_MAX_OUTPUT_TOKENS (@default 4096), ACCESS_TOKEN_JOB_MAX_TOKENS (@default 100000),
   * ACCESS_TOKEN_JOB_MAX_USD (@default unset).
   */
  allowance: SubmitAllowance;
}

/** The submit limits a token's allowance lives within (submit.ts refuses more from anyone). */
export const PRIORITY_LIMIT = 1_000;
export const MAX_ATTEMPTS_LIMIT = 20;

export function readAccessTokens(env: Env, d: { models: readonly string[]; defaultModel: string; defaultMaxAttempts: number }): AccessTokenConfig {
  return {
    defaultTtlMs: readDuration(env, 'ACCESS_TOKEN_DEFAULT_TTL', '15m'),
    maxTtlMs: readDuration(env, 'ACCESS_TOKEN_MAX_TTL', '24h'),
    recheckMs: readDuration(env, 'ACCESS_TOKEN_RECHECK', '30s'),
    requestsPerMinute: readInt(env, 'ACCESS_TOKEN_RATE_LIMIT', 120, 1, 100_000_000),
    maxConnections: readInt(env, 'ACCESS_TOKEN_MAX_CONNECTIONS', 5, 1, 1_000_000),
    allowance: {
      models: readModels(env, d),
      maxPriority: readPriority(env),
      maxAttempts: readInt(env, 'ACCESS_TOKEN_MAX_ATTEMPTS', Math.min(d.defaultMaxAttempts, MAX_ATTEMPTS_LIMIT), 1, MAX_ATTEMPTS_LIMIT),
      maxOutputTokens: readInt(env, 'ACCESS_TOKEN_MAX_OUTPUT_TOKENS', 4096, 1, 1_000_000),
      budget: {
        maxTokens: readInt(env, 'ACCESS_TOKEN_JOB_MAX_TOKENS', 100_000, 1, Number.MAX_SAFE_INTEGER),
        maxCostUsd: readUsd(env, 'ACCESS_TOKEN_JOB_MAX_USD'),
      },
    },
  };
}

function readModels(env: Env, d: { models: readonly string[]; defaultModel: string }): string[] {
  const raw = readOptional(env, 'ACCESS_TOKEN_MODELS');
  if (raw === undefined) return [d.defaultModel];
  const names = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0))];
  if (names.length === 0 || !names.every((n) => d.models.includes(n))) {
    throw new ConfigError('ACCESS_TOKEN_MODELS', raw, `a comma-separated list of models from AI_MODELS (${d.models.join(', ')})`);
  }
  return names;
}

function readPriority(env: Env): number {
  const raw = readOptional(env, 'ACCESS_TOKEN_MAX_PRIORITY');
  if (raw === undefined) return 0;
  const n = Number(raw.trim());
  if (!/^-?\d+$/.test(raw.trim()) || Math.abs(n) > PRIORITY_LIMIT) {
    throw new ConfigError('ACCESS_TOKEN_MAX_PRIORITY', raw, `a whole number from -${PRIORITY_LIMIT} to ${PRIORITY_LIMIT}`);
  }
  return n;
}

function readUsd(env: Env, name: string): number | null {
  const raw = readOptional(env, name);
  if (raw === undefined) return null;
  const n = Number(raw.trim());
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0 && n <= 1_000_000)) throw new ConfigError(name, raw, 'US dollars above 0, e.g. 0.25');
  return n;
}
