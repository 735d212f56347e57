/**
 * Why a run stopped before its steps finished, other than by a step's own error. Used as
 * the AbortSignal's reason so that whatever error the in-flight call throws, the runner
 * knows the real cause.
 */
export type StopReason = 'cancelled' | 'timeout' | 'lease-lost' | 'drain';

export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
  constructor(readonly reason: StopReason, message: string = reason) {
    super(message);
  }
}

export function interruptionOf(signal: AbortSignal, err: unknown): RunInterrupted | undefined {
  if (err instanceof RunInterrupted) return err;
  if (signal.aborted && signal.reason instanceof RunInterrupted) return signal.reason;
  return undefined;
}
