/**
 * One job's events for a subscriber, in sequence order with no gap and no duplicate:
 * subscribe to the live feed first (buffering), then replay the stored events after
 * `afterSequence`, then hand on live ones. A live event that skips ahead is preceded by
 * the missing ones, read from the store. Completes right after a terminal event
 * (SUCCEEDED, FAILED, CANCELLED) that is the job's latest; a job already finished
 * replays and completes. Also completes when the feed stops.
 *
 * Every store read is by event id (`jobId:n`, see JobEventsRepository), shared between the
 * streams of one process. An event stored whose feed copy was never written (the writer
 * failed in between) reaches the stream with the job's next event, by the gap fill; a last
 * event lost that way is found by the idle check: after `idleCheckMs` without a live event
 * the stream looks up the event after its last one (one lookup per job per interval in the
 * process, however many streams wait on it).
 */
import { type JobEventDoc, type JobEventTypeValue, eventId, type JobEventsRepository } from '../../db/jobs/index.js';
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
  /** Events read per replay round. @defaultValue 1000 */
  pageSize?: number;
  /** Idle time after which the store is checked for an event the feed missed, in ms. @defaultValue 5000 */
  idleCheckMs?: number;
}

/** The stream's events could not be made contiguous: the store lacks events before a live one. */
export class JobEventGapError extends Error {
  override readonly name = 'JobEventGapError';
  constructor(jobId: string, missingFrom: number, before: number, waitedMs: number) {
    super(`job ${jobId}: events ${missingFrom}..${before - 1} did not appear within ${waitedMs} ms`);
  }
}

/** The stream, and whether it has handed out what was stored when it began. */
export interface JobEventStream extends AsyncIterableIterator<JobEventDoc, undefined> {
  /** True from the last replayed event on (or once the replay found none): what follows comes live. */
  readonly following: boolean;
}

/**
 * The stream as an async iterator. Its `return()` (called when a client unsubscribes)
 * closes the live subscription first, so an idle stream ends at once rather than at the
 * job's next event.
 */
export function jobEventStream(opts: JobEventStreamOptions): JobEventStream {
  // Subscribe now, before anything is read from the store, so that no event written in
  // between can be missed.
  const live = opts.feed.subscribe({ jobId: opts.jobId });
  const state = { following: false };
  const gen = run(opts, live, opts.events.mark(), state);
  return {
    get following() {
      return state.following;
    },
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

const IDLE = Symbol('idle');

async function* run(
  opts: JobEventStreamOptions,
  live: AsyncIterableIterator<JobEventDoc> & { close(): void },
  subscribed: number,
  state: { following: boolean },
): AsyncGenerator<JobEventDoc, undefined, undefined> {
  const { events, jobId } = opts;
  const isTerminal = opts.isTerminal ?? isTerminalEvent;
  const pageSize = opts.pageSize ?? 1_000;
  const gapWaitMs = opts.gapWaitMs ?? 5_000;
  const gapRetryMs = opts.gapRetryMs ?? 50;
  const idleCheckMs = opts.idleCheckMs ?? 5_000;
  let last = Math.max(0, Math.trunc(opts.afterSequence ?? 0));
  let timer: NodeJS.Timeout | undefined;
  try {
    // Replay. A terminal event ends the stream only when nothing follows it (a job that
    // was retried after FAILED has later events). Lookups made after subscribing: nothing
    // stored before the live subscription can be missed.
    let replayedLast: JobEventDoc | null = null;
    for (;;) {
      const page = await events.listForJob(jobId, last, pageSize, subscribed);
      const lastPage = page.length < pageSize;
      for (const e of page) {
        if (lastPage && e === page.at(-1)) state.following = true;
        yield e;
        last = e.sequence;
        replayedLast = e;
      }
      if (lastPage) break;
    }
    state.following = true;
    const finished = replayedLast ? isTerminal(replayedLast) : await latestIsTerminalAtOrBefore(events, jobId, last, isTerminal, subscribed);
    if (finished) return undefined;

    // Live.
    let pending: Promise<IteratorResult<JobEventDoc>> | null = null;
    for (;;) {
      pending ??= live.next();
      const idle = new Promise<typeof IDLE>((done) => (timer = setTimeout(done, idleCheckMs, IDLE)));
      const step = await Promise.race([pending, idle]);
      clearTimeout(timer);
      if (step === IDLE) {
        // Nothing live for a while: was an event stored that the feed never carried?
        const missed = await events.peekAfter(jobId, last, idleCheckMs);
        if (!missed) continue;
        const more = [missed, ...(await events.listForJob(jobId, missed.sequence, pageSize))];
        for (const e of more) {
          yield e;
          last = e.sequence;
        }
        if (isTerminal(more.at(-1)!) && (await latestIsTerminalAtOrBefore(events, jobId, last, isTerminal, events.mark()))) return undefined;
        continue;
      }
      pending = null;
      if (step.done) return undefined;
      const e = step.value;
      if (e.sequence <= last) {
        // Already sent, or the client asked for an afterSequence past this event. A
        // terminal event that is the job's latest must still end the stream, or a
        // subscription with afterSequence beyond the job's last event would skip it and
        // wait for the feed to stop.
        if (isTerminal(e) && (await latestIsTerminalAtOrBefore(events, jobId, last, isTerminal, events.mark()))) return undefined;
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
    clearTimeout(timer);
    live.close();
  }
}

/**
 * Whether the job's latest stored event is terminal and already behind `last`: the event
 * at `last` exists and none after it (two lookups by id), else the job's last sequence
 * found by probing ids.
 */
async function latestIsTerminalAtOrBefore(
  events: JobEventsRepository,
  jobId: string,
  last: number,
  isTerminal: (e: JobEventDoc) => boolean,
  notBefore: number,
): Promise<boolean> {
  if (last < 1) return false;
  const [atLast, after] = await Promise.all([events.findEvent(eventId(jobId, last)), events.findEvent(eventId(jobId, last + 1), notBefore)]);
  if (after) return false;
  if (atLast) return isTerminal(atLast);
  const sequence = await events.lastSequence(jobId);
  if (sequence === 0) return false;
  const latest = await events.findEvent(eventId(jobId, sequence));
  return latest !== null && isTerminal(latest);
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
