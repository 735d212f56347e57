/**
 * watchJob and watchBatch: live views that resume exactly. A job's events carry a
 * per-job sequence 1, 2, 3 …; after a drop the watch subscribes again with
 * afterSequence = the last one delivered, so the server replays what was missed, and
 * anything at or below it is dropped here: no gap, no duplicate. A batch's progress is
 * a snapshot, so subscribing again (which sends the batch as it stands) is the resume.
 */
import type { Client as WsClient } from 'graphql-ws/client';
import type { ClientError } from './client-error.js';
import { BATCH_FIELDS, JOB_EVENT_FIELDS } from './fields.js';
import { liveSubscription, type ReconnectOptions, type Stoppable } from './live-subscription.js';
import type { Batch, JobEvent } from './types.js';

export interface JobWatchHandlers<E = JobEvent> {
  /** Every event once, in order of sequence. */
  onEvent(event: E): void;
  /** After the job's terminal event. */
  onComplete?(): void;
  /** NOT_FOUND, UNAUTHENTICATED …, or NETWORK after giving up. */
  onError?(error: ClientError): void;
}

export interface JobWatchOptions extends ReconnectOptions {
  /** Start after this sequence (events up to it were seen already). @defaultValue 0 */
  afterSequence?: number;
  /** The JobEvent selection; must include `sequence`. @defaultValue JOB_EVENT_FIELDS */
  fields?: string;
}

export interface JobWatch extends Stoppable {
  /** The sequence of the last event delivered (0 before the first). */
  readonly lastSequence: number;
}

export function watchJobOn<E extends { sequence: number } = JobEvent>(
  ws: WsClient,
  jobId: string,
  handlers: JobWatchHandlers<E>,
  options: JobWatchOptions = {},
  onActive?: (active: boolean) => void,
): JobWatch {
  let last = options.afterSequence ?? 0;
  const query = `subscription($jobId: ID!, $after: Int) { jobEvents(jobId: $jobId, afterSequence: $after) { ${options.fields ?? JOB_EVENT_FIELDS} } }`;
  const live = liveSubscription<{ jobEvents: E }>(
    ws,
    () => ({ query, variables: { jobId, after: last } }),
    {
      next: ({ jobEvents: event }) => {
        if (event.sequence <= last) return undefined;
        // The server never skips; should it, asking again from `last` fills the hole.
        if (event.sequence !== last + 1) return 'restart';
        last = event.sequence;
        handlers.onEvent(event);
        return undefined;
      },
      complete: () => handlers.onComplete?.(),
      error: (err) => handlers.onError?.(err),
    },
    options,
    onActive,
  );
  return {
    stop: () => live.stop(),
    get lastSequence() {
      return last;
    },
  };
}

export interface BatchWatchHandlers<B = Batch> {
  /** The batch as it stands: first at once, then on every change of its counts. */
  onBatch(batch: B): void;
  /** Once every job of the batch finished. */
  onComplete?(): void;
  onError?(error: ClientError): void;
}

export interface BatchWatchOptions extends ReconnectOptions {
  /** The Batch selection. @defaultValue BATCH_FIELDS */
  fields?: string;
}

export function watchBatchOn<B = Batch>(
  ws: WsClient,
  batchId: string,
  handlers: BatchWatchHandlers<B>,
  options: BatchWatchOptions = {},
  onActive?: (active: boolean) => void,
): Stoppable {
  const query = `subscription($batchId: ID!) { batchProgress(batchId: $batchId) { ${options.fields ?? BATCH_FIELDS} } }`;
  return liveSubscription<{ batchProgress: B }>(
    ws,
    () => ({ query, variables: { batchId } }),
    {
      next: ({ batchProgress }) => void handlers.onBatch(batchProgress),
      complete: () => handlers.onComplete?.(),
      error: (err) => handlers.onError?.(err),
    },
    options,
    onActive,
  );
}
