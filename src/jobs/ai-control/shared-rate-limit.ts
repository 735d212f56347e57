/**
 * One AI rate limit for every worker, kept in MongoDB: requests and tokens per model
 * (AI_RPM, AI_TPM) over a sliding window (AI_RATE_WINDOW), so no stretch of one window sees
 * more than its share, wherever the stretch starts (see sliding-window-grants.ts); and an
 * adaptive share of that rate (AIMD): a 429 halves it at once for everyone and blocks every
 * worker until the provider's Retry-After; it then grows back by a tenth of the rate per window.
 */
import { type CallGate, abortableSleep } from '../../ai/index.js';
import { perMinuteLimit } from '../../config/index.js';
import type { RateLimitRepository, RateStateDoc } from '../../db/jobs/index.js';
import { SlidingWindowGrants } from './sliding-window-grants.js';

export interface SharedRateLimitOptions {
  /** Requests per minute per model; `*` for models not named (AI_RPM). @default {} (unlimited) */
  rpm: Readonly<Record<string, number>>;
  /** Tokens per minute per model, prompt plus the answer's cap (AI_TPM). @default {} (unlimited) */
  tpm: Readonly<Record<string, number>>;
  /** The sliding window's length; limits are per minute, scaled to it (AI_RATE_WINDOW). @default 60 s */
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
/** The adaptive state is read before a claim at most this often per model by one process (and afresh before every call). */
const STATE_TTL_MS = 500;
/** Tokens are granted in units, so a call needs few inserts (a window holds 200 units). */
const TOKEN_UNITS_PER_WINDOW = 200;
/** Claiming tokens then the request can leave the two at different moments; claim again at most this often. */
const ALIGN_ROUNDS = 3;

/** The adaptive share now: the factor after a decrease, grown back additively. */
export function currentFactor(state: Pick<RateStateDoc, 'factor' | 'decreasedAt'> | null, now: number, windowMs: number): number {
  if (!state) return 1;
  const windows = Math.max(0, now - state.decreasedAt.getTime()) / windowMs;
  return Math.min(1, state.factor + RECOVERY_PER_WINDOW * Math.floor(windows));
}

export class SharedRateLimit implements CallGate {
  private readonly now: () => number;
  private readonly cache = new Map<string, { at: number; state: RateStateDoc | null }>();
  private readonly grants: SlidingWindowGrants;

  constructor(private readonly repo: RateLimitRepository, private readonly opts: SharedRateLimitOptions) {
    this.now = opts.now ?? Date.now;
    this.grants = new SlidingWindowGrants(repo);
  }

  async acquire(model: string, tokens: number, signal?: AbortSignal): Promise<void> {
    const rpm = perMinuteLimit(this.opts.rpm, model);
    const tpm = perMinuteLimit(this.opts.tpm, model);
    for (;;) {
      signal?.throwIfAborted();
      const state = await this.state(model);
      const blockedFor = state ? state.blockedUntil.getTime() - this.now() : 0;
      if (blockedFor > 0) {
        await abortableSleep(blockedFor, signal);
        continue;
      }
      if (rpm === undefined && tpm === undefined) return;
      const factor = currentFactor(state, this.now(), this.opts.windowMs);
      const at = await this.grantAt(model, rpm, tpm, tokens, factor);
      await abortableSleep(Math.max(0, at - this.now()), signal);
      // A 429 while this call waited (read afresh: the cached state may predate it): the
      // grant goes unused, and the call claims again after the block.
      const after = await this.state(model, true);
      if (!after || after.blockedUntil.getTime() <= this.now()) return;
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

  /**
   * The moment this call may go: the token units and the request are granted for the same
   * moment (now, or when both limits allow), so neither is counted earlier than it is used.
   * When the request's grant comes later than the tokens', the tokens are claimed again for
   * it (the first ones stay, unused: they only make later claims wait).
   */
  private async grantAt(model: string, rpm: number | undefined, tpm: number | undefined, tokens: number, factor: number): Promise<number> {
    const windowMs = this.opts.windowMs;
    let at = this.now();
    for (let round = 1; ; round += 1) {
      const tokensAt =
        tpm === undefined
          ? at
          : await this.grants.claim({
              series: `t:${model}`,
              capacity: TOKEN_UNITS_PER_WINDOW * factor,
              maxCapacity: TOKEN_UNITS_PER_WINDOW,
              count: this.units(tpm, tokens),
              windowMs,
              notBefore: at,
            });
      const requestAt =
        rpm === undefined
          ? tokensAt
          : await this.grants.claim({ series: `r:${model}`, capacity: this.capacity(rpm, factor), maxCapacity: this.capacity(rpm, 1), count: 1, windowMs, notBefore: tokensAt });
      if (requestAt === tokensAt || tpm === undefined || round === ALIGN_ROUNDS) return requestAt;
      at = requestAt;
    }
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

  private async state(model: string, fresh = false): Promise<RateStateDoc | null> {
    const cached = this.cache.get(model);
    if (!fresh && cached && this.now() - cached.at < STATE_TTL_MS) return cached.state;
    const state = await this.repo.state(model);
    this.cache.set(model, { at: this.now(), state });
    return state;
  }
}
