/**
 * Settings of the Batch API path (executionMode BATCH): how often the fleet's one batch
 * round runs, how long calls are gathered before a batch file is sent, the limits of one
 * file, and how long a job waits for the provider before the rest of its calls are made at once.
 */
import { ConfigError, type Env, readDuration, readInt } from './parse.js';

/** OpenAI's limits of one batch input file. */
export const PROVIDER_BATCH_MAX_LINES = 50_000;
export const PROVIDER_BATCH_MAX_BYTES = 200 * 1024 * 1024;

export interface BatchConfig {
  /**
   * AI_BATCH_POLL_INTERVAL: how often the batch round runs (one worker of the fleet at a
   * time): it sends gathered calls, checks open batches and reads their answers.
   * @default 60 s (2 s with the offline provider, which answers at once)
   */
  pollMs: number;
  /**
   * AI_BATCH_GATHER_WAIT: a model's waiting calls are sent once none has joined them for this
   * long (a burst of submissions is complete), or once the oldest has waited ten times this.
   * @default 10 s (1 s offline)
   */
  gatherWaitMs: number;
  /**
   * AI_BATCH_DEADLINE: a BATCH job submitted without `batchDeadline` gets this long after its
   * submission; calls still unanswered then are made at once (realtime), at the default rate.
   * @default 24 h
   */
  deadlineMs: number;
  /** AI_BATCH_MAX_LINES: calls in one batch file (the provider allows 50,000). @default 50,000 */
  maxLines: number;
  /** AI_BATCH_MAX_BYTES: bytes of one batch file (the provider allows 200 MB). @default 209,715,200 */
  maxBytes: number;
}

export function readBatchConfig(env: Env, offline: boolean): BatchConfig {
  const config: BatchConfig = {
    pollMs: readDuration(env, 'AI_BATCH_POLL_INTERVAL', offline ? '2s' : '60s'),
    gatherWaitMs: readDuration(env, 'AI_BATCH_GATHER_WAIT', offline ? '1s' : '10s'),
    deadlineMs: readDuration(env, 'AI_BATCH_DEADLINE', '24h'),
    maxLines: readInt(env, 'AI_BATCH_MAX_LINES', PROVIDER_BATCH_MAX_LINES, 1, PROVIDER_BATCH_MAX_LINES),
    maxBytes: readInt(env, 'AI_BATCH_MAX_BYTES', PROVIDER_BATCH_MAX_BYTES, 1_024, PROVIDER_BATCH_MAX_BYTES),
  };
  if (config.pollMs < 10) throw new ConfigError('AI_BATCH_POLL_INTERVAL', String(env['AI_BATCH_POLL_INTERVAL']), 'a duration of at least 10ms');
  if (config.deadlineMs < 1_000) throw new ConfigError('AI_BATCH_DEADLINE', String(env['AI_BATCH_DEADLINE']), 'a duration of at least 1s');
  return config;
}
