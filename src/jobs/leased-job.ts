/**
 * A job held under a lease: the in-memory document, changed by its holder alone and
 * written field by field under the lease generation, plus the event log it appends to.
 * Every state change goes through `save` and every transition through `emit`, so the
 * stored job and its events never disagree about what happened.
 */
import type { JobDoc, JobEventTypeValue, StepDoc } from '../db/job-docs.js';
import type { JobStores } from './job-stores.js';
import type { HeldLease } from './lease.js';
import { jobProgress } from './progress.js';

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export class LeasedJob {
  /** The tail of this holder's writes to the job document, so they run one at a time. */
  private writes: Promise<unknown> = Promise.resolve();
  /** The last event sequence this holder wrote: the next append starts after it. */
  private lastSequence: number | undefined;

  constructor(
    readonly stores: JobStores,
    public doc: JobDoc,
    readonly lease: HeldLease,
  ) {}

  get id(): string {
    return this.doc._id;
  }

  /**
   * Runs `write` after every write to the job document queued before it. FerretDB applies
   * an update by reading the document and writing all of it back, unconditionally: two
   * overlapping updates of one document lose one of them. So every write of the holder
   * — its saves and its lease heartbeats alike — goes through here, one at a time.
   */
  exclusive<T>(write: () => Promise<T>): Promise<T> {
    const run = this.writes.then(write, write);
    this.writes = run.catch(() => {});
    return run;
  }

  /** Writes the given fields (and recomputed progress); throws LeaseLostError if not ours any more. */
  save(set: Partial<JobDoc>, progressMessage?: string): Promise<void> {
    return this.exclusive(async () => {
      const steps = set.steps ?? this.doc.steps;
      const progress = set.progress ?? jobProgress(steps, progressMessage);
      const next = { ...this.doc, ...set, progress };
      const ok = await this.stores.jobs.updateUnderLease(this.doc._id, this.lease.generation, { ...set, progress });
      if (!ok) throw new LeaseLostError(`job ${this.doc._id}: lease generation ${this.lease.generation} was taken over`);
      this.doc = next;
    });
  }

  /** Replaces one step (by index) and saves the step list. */
  async saveStep(step: StepDoc, extra: Partial<JobDoc> = {}, progressMessage?: string): Promise<void> {
    const steps = this.doc.steps.map((s) => (s.index === step.index ? step : s));
    await this.save({ ...extra, steps }, progressMessage);
  }

  /** Appends an event describing the job as it stands now. */
  async emit(type: JobEventTypeValue, opts: { step?: StepDoc; message?: string } = {}): Promise<void> {
    const { output: _output, ...snapshot } = opts.step ?? ({} as StepDoc);
    const event = await this.stores.events.append(
      {
        jobId: this.doc._id,
        tenantId: this.doc.tenantId,
        batchId: this.doc.batchId,
        type,
        step: opts.step ? snapshot : null,
        progress: this.doc.progress,
        message: opts.message ?? null,
        jobStatus: this.doc.status,
      },
      this.lastSequence,
    );
    this.lastSequence = event.sequence;
  }
}
