/**
 * One AI rate limit for every worker, kept in MongoDB: requests and tokens per window per
 * model (AI_RPM, AI_TPM), claimed unit by unit with unique inserts; and an adaptive share
 * of that rate (AIMD): a 429 halves it at once for everyone and blocks every worker until
 * the provider's Retry-After; it then grows back by a tenth of the rate per window.
 */
import { type CallGate, abortableSleep } from '../../ai/index.js';
import { perMinuteLimit } from '../../config/index.js';
import type { RateLimitRepository, RateStateDoc } from '../../db/jobs/index.js';

export interface SharedRateLimitOptions {
  /** Requests per minute per model; `*` for models not named (AI_RPM). @default {} (unlimited) */
  rpm: Readonly<Record<string, number>>;
  /** Tokens per minute per model, prompt plus the answer's cap (AI_TPM). @default {} (unlimited) */
  tpm: Readonly<Record<string, number>>;
  /** Length of one counting window; limits are per minute, scaled to it (AI_RATE_WINDOW). @default 60 s */
  windowMs: number;
  /** A Retry-After-less 429 blocks everyone this long. @default 1,000 ms */
  defaultBlockMs: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

/** The share never drops below this, so the service keeps probing. */
export const MIN_FACTOR = 0.1;
/** Regained per window after a decrease. */
export const RECOVERY_PER_WINDOW = 0.1;
/** 429s closer together than this count as one burst: the rate is halved once for it. */
const BURST_MS = 2_000;
/** The adaptive state is read at most this often per model by one process. */
const STATE_TTL_MS = 500;
/** Tokens are claimed in units, so a call needs few inserts (at most ~200 units a window). */
const TOKEN_UNITS_PER_WINDOW = 200;

/** The adaptive share now: the factor after a decrease, grown back additively. */
export function currentFactor(state: Pick<RateStateDoc, 'factor' | 'decreasedAt'> | null, now: number, windowMs: number): number {
  if (!state) return 1;
  const windows = Math.max(0, now - state.decreasedAt.getTime()) / windowMs;
  return Math.min(1, state.factor + RECOVERY_PER_WINDOW * Math.floor(windows));
}

export class SharedRateLimit implements CallGate {
  private readonly now: () => number;
  private readonly cache = new Map<string, { at: number; state: RateStateDoc | null }>();
  /** Per kind+model+window: indexes below this are known to be taken. */
  private readonly hints = new Map<string, number>();
  private claimed: Array<{ window: number; id: string }> = [];

  constructor(private readonly repo: RateLimitRepository, private readonly opts: SharedRateLimitOptions) {
    this.now = opts.now ?? Date.now;
  }

  async acquire(model: string, tokens: number, signal?: AbortSignal): Promise<void> {
    const rpm = perMinuteLimit(this.opts.rpm, model);
    const tpm = perMinuteLimit(this.opts.tpm, model);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const state = await this.state(model);
      const blockedFor = state ? state.blockedUntil.getTime() - now : 0;
      if (blockedFor > 0) {
        await abortableSleep(blockedFor, signal);
        continue;
      }
      if (rpm === undefined && tpm === undefined) return;
      const window = Math.floor(now / this.opts.windowMs);
      const factor = currentFactor(state, now, this.opts.windowMs);
      const ok =
        (rpm === undefined || (await this.take('r', model, window, 1, this.capacity(rpm, factor)))) &&
        (tpm === undefined || (await this.take('t', model, window, this.units(tpm, tokens), TOKEN_UNITS_PER_WINDOW * factor)));
      void this.cleanUp(window);
      if (ok) return;
      // Full for this window: wait for the next one (with a little jitter so workers spread).
      const next = (window + 1) * this.opts.windowMs - this.now() + Math.floor(Math.random() * 50);
      await abortableSleep(Math.max(1, next), signal);
    }
  }

  async rateLimited(model: string, retryAfterMs: number | undefined): Promise<void> {
    const now = this.now();
    const state = await this.repo.state(model);
    const blockedUntil = new Date(Math.max(state?.blockedUntil.getTime() ?? 0, now + (retryAfterMs ?? this.opts.defaultBlockMs)));
    const inBurst = state !== null && now - state.decreasedAt.getTime() < BURST_MS;
    const factor = inBurst ? state.factor : Math.max(MIN_FACTOR, currentFactor(state, now, this.opts.windowMs) / 2);
    const next: RateStateDoc = { _id: `state:${model}`, factor, decreasedAt: inBurst ? state.decreasedAt : new Date(now), blockedUntil };
    await this.repo.saveState(next);
    this.cache.set(model, { at: now, state: next });
  }

  /** Requests a window allows at this share: the per-minute rate scaled to the window. */
  private capacity(perMinute: number, factor: number): number {
    return Math.max(1, Math.floor((perMinute * this.opts.windowMs * factor) / 60_000));
  }

  /** Token units a call needs: the window's token allowance is cut into TOKEN_UNITS_PER_WINDOW units. */
  private units(tpm: number, tokens: number): number {
    const perWindow = (tpm * this.opts.windowMs) / 60_000;
    return Math.min(TOKEN_UNITS_PER_WINDOW, Math.max(1, Math.ceil((tokens / perWindow) * TOKEN_UNITS_PER_WINDOW)));
  }

  /** Claims `count` unit slots of the window below `capacity`; false when it is full. */
  private async take(kind: string, model: string, window: number, count: number, capacity: number): Promise<boolean> {
    const key = `${kind}:${model}:${window}`;
    let index = this.hints.get(key) ?? 0;
    let got = 0;
    while (got < count && index < Math.floor(capacity)) {
      const id = `${key}:${index}`;
      if (await this.repo.claim(id)) {
        got += 1;
        this.claimed.push({ window, id });
      }
      index += 1;
    }
    this.hints.set(key, index);
    return got >= count;
  }

  private async state(model: string): Promise<RateStateDoc | null> {
    const cached = this.cache.get(model);
    if (cached && this.now() - cached.at < STATE_TTL_MS) return cached.state;
    const state = await this.repo.state(model);
    this.cache.set(model, { at: this.now(), state });
    return state;
  }

  /** Drops this process's slots of windows before the previous one, and stale hints. */
  private async cleanUp(window: number): Promise<void> {
    const old = this.claimed.filter((c) => c.window < window - 1);
    if (old.length === 0) return;
    this.claimed = this.claimed.filter((c) => c.window >= window - 1);
    for (const key of [...this.hints.keys()]) if (Number(key.split(':').pop()) < window - 1) this.hints.delete(key);
    await this.repo.forget(old.map((c) => c.id)).catch(() => {});
  }
}
