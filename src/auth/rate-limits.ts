/**
 * Per-tenant rate limits shared by every API process: fixed one-minute windows counted
 * in MongoDB. Over a limit a call fails with RATE_LIMITED and the seconds to wait. An
 * access token's requests also count against a limit of its own, so that one token (a
 * browser) cannot use up its tenant's.
 */
import type { RateCountersRepository } from '../db/tenants/index.js';
import { AppError, ErrorCode } from '../errors/index.js';
import type { Access } from './access-scope.js';

export type RateKind = 'request' | 'submit' | 'webhook-send' | 'token-request';

/** The variable that sets each limit, named in refusals so a caller can find it. */
const LIMIT_NAMES: Readonly<Record<RateKind, string>> = {
  request: 'API_RATE_LIMIT',
  submit: 'SUBMIT_RATE_LIMIT',
  'webhook-send': 'WEBHOOK_SEND_RATE_LIMIT',
  'token-request': 'ACCESS_TOKEN_RATE_LIMIT',
};

const WHAT: Readonly<Record<RateKind, string>> = {
  request: 'requests',
  submit: 'submit calls',
  'webhook-send': 'webhook-send calls',
  'token-request': 'requests with this access token',
};

const WINDOW_MS = 60_000;

/** RATE_LIMITED with `extensions.retryAfter` (whole seconds); HTTP answers it with 429 and Retry-After. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(ErrorCode.RATE_LIMITED, message);
  }

  override get extensions(): Record<string, unknown> {
    return { code: this.code, retryAfter: this.retryAfter };
  }
}

export class TenantRateLimiter {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly counters: RateCountersRepository,
    private readonly perMinute: Readonly<Record<RateKind, number>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one GraphQL request: against the token first (a token over its limit costs its tenant nothing), then the tenant. */
  async takeRequest(tenantId: string, access: Access | undefined): Promise<void> {
    if (access?.kind === 'token') await this.take(`token:${access.tokenHash}`, 'token-request');
    await this.take(tenantId, 'request');
  }

  /** Counts one call of `kind` for the tenant (or token); throws RateLimitedError once over the limit. */
  async take(tenantId: string, kind: RateKind): Promise<void> {
    const t = this.now();
    const windowStart = t - (t % WINDOW_MS);
    const windowEnd = windowStart + WINDOW_MS;
    const count = await this.counters.hit(`${tenantId}:${kind}:${windowStart}`, new Date(windowEnd));
    const limit = this.perMinute[kind];
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil((windowEnd - t) / 1000));
      throw new RateLimitedError(`rate limit of ${limit} ${WHAT[kind]} per minute reached (${LIMIT_NAMES[kind]}=${limit}); retry in ${retryAfter} s`, retryAfter);
    }
  }

  /** Deletes ended windows every minute; stop() ends it. */
  startSweeping(onError: (err: unknown) => void): void {
    this.sweeper ??= setInterval(() => {
      this.counters.deleteExpired(new Date(this.now())).catch(onError);
    }, WINDOW_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
