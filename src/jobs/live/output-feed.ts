/**
 * API side of live output: one reader per API process. Each tick it reads, for every job
 * that has subscribers here, that job's output document once (by `_id`) and hands each
 * subscriber what it has not seen yet; a subscriber that joins late first gets the text so
 * far. A subscription ends once its job has finished and nothing is left to stream.
 */
import { type JobOutputDoc, type JobOutputRepository, isTerminalStatus, type JobDoc } from '../../db/jobs/index.js';
import { notFound } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';

export interface JobOutputChunk {
  jobId: string;
  step: string;
  call: string;
  /** The write this came from (grows by one per write of the call). */
  chunk: number;
  /** Text not sent to this subscriber before. */
  delta: string;
  /** The call's whole text so far. */
  text: string;
  done: boolean;
}

export interface JobOutputFeedOptions {
  output: JobOutputRepository;
  /** Finds the job if it belongs to the tenant (ownership check and end detection). */
  findJob(tenantId: string, jobId: string): Promise<JobDoc | null>;
  pollMs: number;
  logger: Logger;
}

interface Subscriber {
  tenantId: string;
  call: string | null;
  sent: number;
  doneSent: boolean;
  push(chunk: JobOutputChunk): void;
  end(): void;
}

export class JobOutputFeed {
  private readonly byJob = new Map<string, Set<Subscriber>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly opts: JobOutputFeedOptions) {}

  async subscribe(tenantId: string, jobId: string): Promise<AsyncIterableIterator<JobOutputChunk>> {
    const job = await this.opts.findJob(tenantId, jobId);
    if (!job) throw notFound('job', jobId);
    const queue: JobOutputChunk[] = [];
    let waiting: ((r: IteratorResult<JobOutputChunk>) => void) | null = null;
    let ended = false;
    const sub: Subscriber = {
      tenantId,
      call: null,
      sent: 0,
      doneSent: false,
      push: (chunk) => {
        if (waiting) {
          const w = waiting;
          waiting = null;
          w({ value: chunk, done: false });
        } else queue.push(chunk);
      },
      end: () => {
        ended = true;
        this.remove(jobId, sub);
        if (waiting) {
          const w = waiting;
          waiting = null;
          w({ value: undefined, done: true });
        }
      },
    };
    if (isTerminalStatus(job.status)) sub.end();
    else this.add(jobId, sub);
    const iterator: AsyncIterableIterator<JobOutputChunk> = {
      next: () => {
        const value = queue.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        sub.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Stops reading; open subscriptions end. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const subs of [...this.byJob.values()]) for (const s of [...subs]) s.end();
  }

  private add(jobId: string, sub: Subscriber): void {
    let subs = this.byJob.get(jobId);
    if (!subs) this.byJob.set(jobId, (subs = new Set()));
    subs.add(sub);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.opts.pollMs);
      this.timer.unref();
      void this.tick();
    }
  }

  private remove(jobId: string, sub: Subscriber): void {
    const subs = this.byJob.get(jobId);
    if (!subs) return;
    subs.delete(sub);
    if (subs.size === 0) this.byJob.delete(jobId);
    if (this.byJob.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One read per streaming job, whatever the number of its subscribers here. */
  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await Promise.all([...this.byJob.entries()].map(([jobId, subs]) => this.readJob(jobId, subs)));
    } finally {
      this.busy = false;
    }
  }

  private async readJob(jobId: string, subs: Set<Subscriber>): Promise<void> {
    try {
      const doc = await this.opts.output.find(jobId);
      if (doc) {
        for (const sub of subs) deliver(jobId, doc, sub);
        return;
      }
      // Nothing streaming now: between calls, or finished. Ownership was checked on subscribe.
      const first = subs.values().next().value;
      if (!first) return;
      const job = await this.opts.findJob(first.tenantId, jobId);
      if (!job || isTerminalStatus(job.status)) for (const sub of [...subs]) sub.end();
    } catch (err) {
      this.opts.logger.warn({ err, jobId }, 'could not read streamed output; trying again');
    }
  }
}

function deliver(jobId: string, doc: JobOutputDoc, sub: Subscriber): void {
  const call = `${doc.step}/${doc.call}`;
  if (sub.call !== call) {
    sub.call = call;
    sub.sent = 0;
    sub.doneSent = false;
  }
  if (sub.doneSent) return;
  if (doc.text.length <= sub.sent && !doc.done) return;
  // Streamed text only grows within a call; if it ever does not, the whole text is resent.
  const delta = doc.text.length >= sub.sent ? doc.text.slice(sub.sent) : doc.text;
  sub.sent = doc.text.length;
  sub.doneSent = doc.done;
  sub.push({ jobId, step: doc.step, call: doc.call, chunk: doc.chunk, delta, text: doc.text, done: doc.done });
}
