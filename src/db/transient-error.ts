/**
 * Which database errors mean "the server did not answer" (network, pool cleared, no
 * server selectable, timeouts) rather than "the server said no", and a bounded retry.
 */
import { MongoError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClearedError',
  'MongoOperationTimeoutError',
  'MongoWaitQueueTimeoutError',
  'MongoTopologyClosedError',
]);

export function isTransientDbError(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return true;
  if (!(err instanceof MongoError)) return false;
  return TRANSIENT_NAMES.has(err.name) || err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError');
}

/**
 * Runs `write` until it succeeds, retrying transient errors every `intervalMs` for up to
 * `timeoutMs`; any other error, or the last transient one, is thrown. `write` must be
 * safe to repeat (a `$set`, a keyed insert, a conditional update).
 */
export async function retryTransient<T>(write: () => Promise<T>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (!isTransientDbError(err) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
