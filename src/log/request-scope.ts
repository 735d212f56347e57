/**
 * The request a piece of work is done for: set once at the HTTP edge, read by the logger,
 * so every line logged while serving a request carries its id without passing it around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` (and everything it starts) as part of request `requestId`. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

/** The id of the request being served here, if any. */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/**
 * Runs `fn` outside any request: for work a request only sets off (waking the webhook
 * dispatcher, a worker), whose lines, timers and later rounds belong to no request.
 */
export function outsideRequest<T>(fn: () => T): T {
  return scope.exit(fn);
}
