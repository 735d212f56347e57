/**
 * Reads job events from a MongoDB change stream on `job_events` (insert operations only):
 * pushed by the server as soon as each insert commits, in commit order, which for one job
 * is sequence order. Needs a replica set or sharded cluster (not FerretDB).
 *
 * The driver resumes by itself after a resumable error; after any other error the stream
 * is reopened after a delay (1 s doubling up to 30 s), resuming after the last event seen
 * so that nothing is lost while the history lasts on the server.
 */
import type { ChangeStream, ChangeStreamInsertDocument, Collection, ResumeToken } from 'mongodb';
import type { JobEventDoc } from '../../../db/jobs/index.js';
import type { Logger } from '../../../log/logger.js';
import type { EventSource, OnJobEvent } from './event-source.js';

export interface ChangeStreamEventSourceOptions {
  collection: Collection<JobEventDoc>;
  logger: Logger;
  /** Longest delay between reopen attempts after a non-resumable error. @defaultValue 30000 ms */
  maxRetryDelayMs?: number;
}

type InsertChange = ChangeStreamInsertDocument<JobEventDoc>;

/** ChangeStreamHistoryLost (286) and ChangeStreamFatalError (280): resuming cannot work. */
const HISTORY_LOST_CODES = new Set([280, 286]);
const historyLost = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && HISTORY_LOST_CODES.has((err as { code?: unknown }).code as number);

export class ChangeStreamEventSource implements EventSource {
  readonly kind = 'change-stream' as const;
  private stream: ChangeStream<JobEventDoc, InsertChange> | null = null;
  private resumeToken: ResumeToken | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeRetry: (() => void) | null = null;
  private readonly maxRetryDelayMs: number;

  constructor(private readonly opts: ChangeStreamEventSourceOptions) {
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000;
  }

  async start(onEvent: OnJobEvent): Promise<void> {
    if (this.loop) throw new Error('change stream event source already started');
    // The first read sends the aggregate: a server that cannot open change streams
    // fails here, at start, where the feed can still fall back to polling.
    const stream = this.open();
    const first = await stream.tryNext().catch(async (err: unknown) => {
      await stream.close().catch(() => {});
      throw err;
    });
    if (first) this.deliver(first, onEvent);
    this.loop = this.run(stream, onEvent);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    await this.stream?.close().catch(() => {});
    await this.loop;
  }

  private open(): ChangeStream<JobEventDoc, InsertChange> {
    const stream = this.opts.collection.watch<JobEventDoc, InsertChange>([{ $match: { operationType: 'insert' } }], {
      ...(this.resumeToken ? { startAfter: this.resumeToken } : {}),
    });
    this.stream = stream;
    return stream;
  }

  private deliver(change: InsertChange, onEvent: OnJobEvent): void {
    this.resumeToken = change._id;
    onEvent(change.fullDocument);
  }

  private async run(initial: ChangeStream<JobEventDoc, InsertChange>, onEvent: OnJobEvent): Promise<void> {
    let stream = initial;
    let delay = 1_000;
    while (!this.stopped) {
      try {
        const change = await stream.next();
        this.deliver(change, onEvent);
        delay = 1_000;
      } catch (err) {
        if (this.stopped) break;
        if (historyLost(err)) {
          // The resume point is gone from the server's history: start afresh (events
          // written meanwhile reach subscribers only through their replay from the store).
          this.resumeToken = null;
          this.opts.logger.warn({ err }, 'job event change stream lost its resume point; events may have been missed');
        }
        this.opts.logger.error({ err, retryInMs: delay }, 'job event change stream failed; reopening');
        await stream.close().catch(() => {});
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
        if (this.stopped) break;
        stream = this.open();
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((done) => {
      this.wakeRetry = done;
      this.retryTimer = setTimeout(done, ms);
    });
  }
}
