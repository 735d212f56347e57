/**
 * One try's abort signal: fires when the caller aborts or when the try's own time limit
 * passes, and remembers which, because the SDK reports both as the same
 * APIUserAbortError while the contract needs CANCELLED (never retried) vs TIMEOUT (retried).
 *
 * The SDK's own `timeout` covers only the wait for response headers; this one also covers
 * reading the body, so a server that stalls mid-body still times out.
 */
export interface CallSignal {
  readonly signal: AbortSignal;
  /** True once the time limit fired (and the caller had not aborted first). */
  timedOut(): boolean;
  /** True once the caller's signal fired. */
  cancelled(): boolean;
  /** Clears the timer and listener; call in `finally`. */
  dispose(): void;
}

export function createCallSignal(timeoutMs: number, callerSignal?: AbortSignal): CallSignal {
  const controller = new AbortController();
  let didTimeOut = false;
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer = setTimeout(() => {
    if (controller.signal.aborted) return;
    didTimeOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => didTimeOut,
    cancelled: () => !didTimeOut && callerSignal?.aborted === true,
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
