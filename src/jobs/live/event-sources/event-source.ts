/**
 * Where an API process's single EventFeed reads newly written job events from. The feed
 * depends on this tiny interface only; each adapter (change stream, polling) lives in its
 * own file next to this one.
 */
import type { JobEventDoc } from '../../../db/jobs/index.js';

export type EventSourceKind = 'change-stream' | 'polling';

/** Called once per newly seen event, in the order the source saw them. Must not throw. */
export type OnJobEvent = (event: JobEventDoc) => void;

export interface EventSource {
  readonly kind: EventSourceKind;
  /**
   * Starts reading events written from now on. Resolves once the source is reading
   * (and rejects if it cannot read at all, so that the caller can fall back to another
   * source). Read errors after that are logged and retried by the source itself.
   */
  start(onEvent: OnJobEvent): Promise<void>;
  /** Stops reading; resolves once no further `onEvent` call will be made. Idempotent. */
  stop(): Promise<void>;
}
