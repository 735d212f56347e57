/**
 * One job's events for a subscriber, in sequence order with no gap and no duplicate:
 * subscribe to the live feed first (buffering), then replay the stored events after
 * `afterSequence`, then hand on live ones. A live event that skips ahead is preceded by
 * the missing ones, read from the store. Completes right after a terminal event
 * (SUCCEEDED, FAILED, CANCELLED) that is the job's latest; a job already finished
 * replays and completes. Also completes when the feed stops.
 */
import type { JobEventDoc, JobEventTypeValue } from '../db/job-docs.js';
import type { JobEventsRepository } from '../db/job-events.repository.js';
import type { EventFeed } from './event-feed.js';

const TERMINAL_EVENT_TYPES: ReadonlySet<JobEventTypeValue> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export const isTerminalEvent = (event: JobEventDoc): boolean => TERMINAL_EVENT_TYPES.has(event.type);

export interface JobEventStreamOptions {
  feed: EventFeed;
  events: JobEventsRepository;
  jobId: string;
  /** Only events with a greater sequence are sent. @defaultValue 0 (every event) */
  afterSequence?: number;
  /** Whether the stream ends after this event. @defaultValue {@link isTerminalEvent} */
  isTerminal?: (event: JobEventDoc) => boolean;
  /**
   * How long a gap before a live event may take to appear in the store before the
   * stream fails (the store never has gaps, so this means lost data). @defaultValue 5000 ms
   */
  gapWaitMs?: number;
  /** Between reads of the store while waiting for a gap to fill. @defaultValue 50 ms */
  gapRetryMs?: number;
  /** Events read per replay query. @defaultValue 1000 */
  pageSize?: number;
}

/** The stream's events could not be made contiguous: the store lacks events before a live one. */
export class JobEventGapError extends Error {
  override readonly name = 'JobEventGapError';
  constructor(jobId: string, missingFrom: number, before: number, waitedMs: number) {
    super(`job ${jobId}: events ${missingFrom}..${before - 1} did not appear within ${waitedMs} ms`);
  }
}

/**
 * The stream as an async iterator. Its `return()` (called when a client unsubscribes)
 * closes the live subscription first, so an idle stream ends at once rather than at the
 * job's next event.
 */
export function jobEventStream(opts: JobEventStreamOptions): AsyncIterableIterator<JobEventDoc, undefined> {
  // Subscribe now, before anything is read from the store, so that no event written in
  // between can be missed.
  const live = opts.feed.subscribe({ jobId: opts.jobId });
  const gen = run(opts, live);
  return {
    next: () => gen.next(),
    return: async () => {
      live.close();
      return gen.return(undefined);
    },
    throw: async (err?: unknown) => {
      live.close();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* run(opts: JobEventStreamOptions, live: AsyncIterableIterator<JobEventDoc> & { close(): void }): AsyncGenerator<JobEventDoc, undefined, undefined> {
  const { events, jobId } = opts;
  const isTerminal = opts.isTerminal ?? isTerminalEvent;
  const pageSize = opts.pageSize ?? 1_000;
  const gapWaitMs = opts.gapWaitMs ?? 5_000;
  const gapRetryMs = opts.gapRetryMs ?? 50;
  let last = Math.max(0, Math.trunc(opts.afterSequence ?? 0));
  try {
    // Replay. A terminal event ends the stream only when nothing follows it (a job that
    // was retried after FAILED has later events).
    let replayedLast: JobEventDoc | null = null;
    for (;;) {
      const page = await events.listForJob(jobId, last, pageSize);
      for (const e of page) {
        if (e.sequence !== last + 1) break; // cannot happen with a gap-free store; live fills it
        yield e;
        last = e.sequence;
        replayedLast = e;
      }
      if (page.length < pageSize || page[page.length - 1]!.sequence !== last) break;
    }
    const finished = replayedLast
      ? isTerminal(replayedLast)
      : await latestIsTerminalAtOrBefore(events, jobId, last, isTerminal);
    if (finished) return undefined;

    // Live.
    for (;;) {
      const step = await live.next();
      if (step.done) return undefined;
      const e = step.value;
      if (e.sequence <= last) {
        // Already sent, or the client asked for an afterSequence past this event. A
        // terminal event that is the job's latest must still end the stream, or a
        // subscription with afterSequence beyond the job's last event would skip it and
        // wait for the feed to stop.
        if (isTerminal(e) && (await latestIsTerminalAtOrBefore(events, jobId, last, isTerminal))) return undefined;
        continue;
      }
      if (e.sequence > last + 1) {
        const filled = await fillGap(events, jobId, last, e.sequence, gapWaitMs, gapRetryMs);
        for (let i = 0; i < filled.length; i++) {
          const f = filled[i]!;
          yield f;
          last = f.sequence;
          if (isTerminal(f) && i === filled.length - 1) return undefined;
        }
        continue;
      }
      yield e;
      last = e.sequence;
      if (isTerminal(e)) return undefined;
    }
  } finally {
    live.close();
  }
}

/** Whether the job's latest stored event is terminal and already behind `last`. */
async function latestIsTerminalAtOrBefore(
  events: JobEventsRepository,
  jobId: string,
  last: number,
  isTerminal: (e: JobEventDoc) => boolean,
): Promise<boolean> {
  const latest = await events.collection.find({ jobId }).sort({ sequence: -1 }).limit(1).next();
  return latest !== null && latest.sequence <= last && isTerminal(latest);
}

/** Reads events last+1 … upTo from the store, retrying until all are there or the limit passes. */
async function fillGap(
  events: JobEventsRepository,
  jobId: string,
  last: number,
  upTo: number,
  waitMs: number,
  retryMs: number,
): Promise<JobEventDoc[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await events.listForJob(jobId, last, upTo - last);
    const contiguous: JobEventDoc[] = [];
    for (const e of found) {
      if (e.sequence !== last + 1 + contiguous.length) break;
      contiguous.push(e);
    }
    if (contiguous.length === upTo - last) return contiguous;
    if (Date.now() >= deadline) throw new JobEventGapError(jobId, last + 1 + contiguous.length, upTo, waitMs);
    await new Promise((done) => setTimeout(done, retryMs));
  }
}
