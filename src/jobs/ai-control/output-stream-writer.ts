/**
 * Worker side of live output: gathers a streaming AI call's text and writes it to the
 * job's output document at most once per flush interval (one write in flight at a time),
 * then marks it done and removes it shortly after, once subscribers have had a tick to
 * see the end. Writing is best effort: a failed write never fails the job.
 */
import type { JobOutputRepository } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';

export interface OutputStreamOptions {
  /** Least time between two writes of one call's text. */
  flushMs: number;
  /** How long the finished text stays readable before its document is removed. */
  lingerMs: number;
}

export interface OutputSink {
  push(delta: string): void;
  /** Writes the final text with `done`, and schedules the document's removal. */
  finish(text: string): Promise<void>;
  /** The call failed: stop writing and remove what was written. */
  abandon(): Promise<void>;
}

export class OutputStreamWriter {
  /** Pending removals by job id: a new call of the same job (run only here) cancels its own. */
  private readonly removals = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repo: JobOutputRepository,
    private readonly opts: OutputStreamOptions,
    private readonly logger: Logger,
  ) {}

  open(target: { jobId: string; tenantId: string; step: string; call: string }): OutputSink {
    const pendingRemoval = this.removals.get(target.jobId);
    if (pendingRemoval) clearTimeout(pendingRemoval);
    this.removals.delete(target.jobId);

    let text = '';
    let chunk = 0;
    let written = -1;
    let lastWriteAt = 0;
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    let closed = false;

    const write = (done: boolean): Promise<void> => {
      inFlight = inFlight.then(async () => {
        if (!done && text.length === written) return;
        written = text.length;
        lastWriteAt = Date.now();
        chunk += 1;
        try {
          await this.repo.write({ _id: target.jobId, tenantId: target.tenantId, step: target.step, call: target.call, chunk, text, done, updatedAt: new Date() });
        } catch (err) {
          this.logger.warn({ err, jobId: target.jobId }, 'could not write streamed output; the answer is still saved with the step');
        }
      });
      return inFlight;
    };

    const schedule = (): void => {
      if (timer || closed) return;
      const wait = Math.max(0, lastWriteAt + this.opts.flushMs - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        if (!closed) void write(false);
      }, wait);
      timer.unref();
    };

    return {
      push: (delta) => {
        if (closed) return;
        text += delta;
        schedule();
      },
      finish: async (finalText) => {
        closed = true;
        if (timer) clearTimeout(timer);
        text = finalText;
        await write(true);
        const removal = setTimeout(() => {
          this.removals.delete(target.jobId);
          this.repo.remove(target.jobId).catch(() => {});
        }, this.opts.lingerMs);
        removal.unref();
        this.removals.set(target.jobId, removal);
      },
      abandon: async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        await inFlight;
        await this.repo.remove(target.jobId).catch(() => {});
      },
    };
  }
}
