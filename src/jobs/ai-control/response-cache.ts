/**
 * The response cache: a job that asks for it (`cache: true`) reuses the stored answer of
 * an identical earlier call — same tenant, provider, model, messages and parameters —
 * within AI_CACHE_TTL, at no cost. Never shared between tenants: the tenant id is part of
 * the key and is checked again on read. The cache only ever saves money: a lookup or a
 * write that fails is logged and the call goes to the provider as if there were no cache.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, CompletionResult } from '../../ai/index.js';
import type { ResponseCacheRepository } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';
import { aiResponseCache } from '../../metrics/metrics.js';

/** Everything that decides an answer. Tier and prompt-cache key do not, so they are left out. */
export interface CacheableCall {
  tenantId: string;
  provider: string;
  model: string;
  messages: readonly ChatMessage[];
  json?: boolean;
  temperature?: number;
  maxTokens?: number;
}

interface CachedAnswer {
  text: string;
  model: string;
  offline: boolean;
  usage: CompletionResult['usage'];
  finishReason: string | null;
}

export interface ResponseCacheOptions {
  ttlMs: number;
  logger: Logger;
  now?: () => Date;
  /** Where the server has no TTL index: the least time between two removals of expired entries. */
  sweepEveryMs?: number;
}

/** The key of a call: SHA-256 over a canonical JSON of its identity (fixed field order). */
export function cacheKey(call: CacheableCall): string {
  const identity = [
    1,
    call.tenantId,
    call.provider,
    call.model,
    call.messages.map((m) => [m.role, m.content]),
    call.json === true,
    call.temperature ?? null,
    call.maxTokens ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

export class ResponseCache {
  private readonly now: () => Date;
  private lastSweep = 0;

  constructor(
    private readonly repo: ResponseCacheRepository,
    private readonly opts: ResponseCacheOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  get enabled(): boolean {
    return this.opts.ttlMs > 0;
  }

  /** The stored answer of an identical call, marked cached, or undefined (a miss). */
  async lookup(call: CacheableCall): Promise<CompletionResult | undefined> {
    if (!this.enabled) return undefined;
    let stored: CachedAnswer | undefined;
    try {
      stored = (await this.repo.get(cacheKey(call), call.tenantId, this.now())) as CachedAnswer | undefined;
    } catch (err) {
      this.opts.logger.warn({ err }, 'response cache lookup failed; calling the provider');
    }
    aiResponseCache.inc({ outcome: stored ? 'hit' : 'miss' });
    if (!stored) return undefined;
    return { ...stored, attempts: 0, cached: true };
  }

  /** Keeps a fresh answer for identical calls to come. */
  async store(call: CacheableCall, result: CompletionResult): Promise<void> {
    if (!this.enabled || result.cached) return;
    const answer: CachedAnswer = { text: result.text, model: result.model, offline: result.offline, usage: result.usage, finishReason: result.finishReason ?? null };
    const now = this.now();
    try {
      await this.repo.put(cacheKey(call), call.tenantId, answer, now, new Date(now.getTime() + this.opts.ttlMs));
    } catch (err) {
      this.opts.logger.warn({ err }, 'response cache write failed; the answer is not kept for reuse');
    }
    this.sweepNowAndThen(now);
  }

  /** Without a TTL index, expired entries are removed at most once per interval, in the background. */
  private sweepNowAndThen(now: Date): void {
    if (!this.repo.needsSweeping) return;
    const every = this.opts.sweepEveryMs ?? Math.min(this.opts.ttlMs, 3_600_000);
    if (now.getTime() - this.lastSweep < every) return;
    this.lastSweep = now.getTime();
    this.repo.removeExpired(now).catch((err: unknown) => this.opts.logger.warn({ err }, 'response cache sweep failed'));
  }
}
