/**
 * UNAUTHENTICATED_RATE_LIMIT: requests that present no valid key, counted per client
 * address in this process (one-minute windows). Past the limit an address is refused
 * before its key is even looked up, so guessing keys or flooding with bad ones costs the
 * database nothing. Held in memory: it needs no write per request, and an attacker spread
 * over N processes gets N times the limit, which is still a limit.
 */
import { RateLimitedError } from '../auth/rate-limits.js';

const WINDOW_MS = 60_000;
/** Addresses remembered at most; the oldest windows go first (an address flood cannot grow memory). */
const MAX_ADDRESSES = 100_000;

export class UnauthenticatedLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws RATE_LIMITED when `address` has used up its failures in this window. */
  assertAllowed(address: string): void {
    const w = this.current(address);
    if (w && w.count >= this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil((w.start + WINDOW_MS - this.now()) / 1000));
      throw new RateLimitedError(`too many requests without a valid API key from this address: UNAUTHENTICATED_RATE_LIMIT=${this.perMinute} per minute`, retryAfter);
    }
  }

  /** Counts one request from `address` that was refused as unauthenticated. */
  noteFailure(address: string): void {
    const w = this.current(address);
    if (w) {
      w.count += 1;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(address, { start: this.now(), count: 1 });
  }

  private current(address: string): { start: number; count: number } | undefined {
    const w = this.windows.get(address);
    if (w && this.now() - w.start >= WINDOW_MS) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }
}
