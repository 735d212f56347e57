/**
 * A job held under a lease: the in-memory document, changed by its holder alone and
 * written field by field while its live record shows the holder's lease generation, plus
 * the event log it appends to. Every state change goes through `save` and every
 * transition through `emit`, so the stored job and its events never disagree about what
 * happened. A write the database does not answer is retried (up to `dbRetryMs`): a
 * database outage delays a job, it never fails a step.
 */
import type { AgentActivityDoc, JobDoc, JobEventTypeValue, StepDoc } from '../../db/jobs/index.js';
import { retryTransient } from '../../db/transient-error.js';
import type { JobStores } from './stores.js';
import { stillHeld, type HeldLease } from './lease.js';
import { jobProgress } from './progress.js';
import { traceIdField } from './trace-fields.js';

/** How long a holder retries a write the database does not answer, by default. */
export const DEFAULT_DB_RETRY_MS = 60_000;

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
    readonly dbRetryMs = DEFAULT_DB_RETRY_MS,
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
      const changes = { ...set, progress, updatedAt: new Date() };
      await this.durably(async () => {
        if (!(await stillHeld(this.stores, this.lease))) {
          throw new LeaseLostError(`job ${this.doc._id}: lease generation ${this.lease.generation} was taken over`);
        }
        await this.stores.jobs.update(this.doc._id, changes);
      });
      this.doc = { ...this.doc, ...changes };
    });
  }

  /** Replaces one step (by index) and saves the step list. */
  async saveStep(step: StepDoc, extra: Partial<JobDoc> = {}, progressMessage?: string): Promise<void> {
    const steps = this.doc.steps.map((s) => (s.index === step.index ? step : s));
    await this.save({ ...extra, steps }, progressMessage);
  }

  /** Appends an event describing the job as it stands now. */
  async emit(type: JobEventTypeValue, opts: { step?: StepDoc; message?: string; agent?: AgentActivityDoc } = {}): Promise<void> {
    const { output: _output, ...snapshot } = opts.step ?? ({} as StepDoc);
    const before = this.lastSequence;
    let tried = false;
    const sequence = await this.durably(async () => {
      // An append the database took but did not confirm is not made twice: only this
      // holder appends to the job now, so a sequence past ours is that append.
      if (tried && before !== undefined && (await this.stores.events.lastSequence(this.doc._id)) === before + 1) return before + 1;
      tried = true;
      return (await this.appendNow(type, opts.step ? snapshot : null, opts.message ?? null, opts.agent)).sequence;
    });
    this.lastSequence = sequence;
  }

  /** Runs `write`, retrying while the database does not answer (up to `dbRetryMs`). */
  durably<T>(write: () => Promise<T>): Promise<T> {
    return retryTransient(write, this.dbRetryMs);
  }

  private appendNow(type: JobEventTypeValue, step: Omit<StepDoc, 'output'> | null, message: string | null, agent?: AgentActivityDoc) {
    return this.stores.events.append(
      {
        jobId: this.doc._id,
        tenantId: this.doc.tenantId,
        batchId: this.doc.batchId,
        type,
        step,
        progress: this.doc.progress,
        message,
        jobStatus: this.doc.status,
        ...traceIdField(this.doc),
        // Only agent events carry the field, so other events are stored as before.
        ...(agent ? { agent } : {}),
      },
      this.lastSequence,
    );
  }
}
