/**
 * The port through which a provider asks before each try whether it may call the model
 * now, and reports a 429. The shared, adaptive implementation lives in src/jobs (it needs
 * the database); without a gate every try goes out at once.
 */
export interface CallGate {
  /**
   * Resolves when one request of about `tokens` tokens may be sent to `model`; rejects
   * when `signal` aborts first.
   */
  acquire(model: string, tokens: number, signal?: AbortSignal): Promise<void>;
  /** The provider answered 429 for `model`: slow every caller down, none before `retryAfterMs`. */
  rateLimited(model: string, retryAfterMs: number | undefined): Promise<void>;
}
