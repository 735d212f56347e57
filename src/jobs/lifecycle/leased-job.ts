/**
 * A job held under a lease: the in-memory document, changed by its holder alone and
 * written field by field while its live record shows the holder's lease generation, plus
 * the event log it appends to. Every state change goes through `save` and every
 * transition through `emit` (or `emitMany`, for what one save recorded), so the stored job
 * and its events never disagree about what happened. A save reads the live record first,
 * unless the holder's claim or last renewal confirmed the lease recently (`leaseConfirmed`).
 * A write the database does not answer is retried (up to `dbRetryMs`): a database outage
 * delays a job, it never fails a step.
 */
import type { AgentActivityDoc, JobDoc, JobEventTypeValue, JobStatusValue, NewJobEvent, ProgressDoc, StepDoc } from '../../db/jobs/index.js';
import { retryTransient } from '../../db/transient-error.js';
import type { JobStores } from './stores.js';
import { stillHeld, type HeldLease } from './lease.js';
import { jobProgress } from './progress.js';
import { traceIdField } from './trace-fields.js';

/** How long a holder retries a write the database does not answer, by default. */
export const DEFAULT_DB_RETRY_MS = 60_000;

/**
 * One event to append: its type, the step and message it carries, and (`as`) the job as it
 * stood when the event happened, when that is not the job as it stands now — a transition
 * saved in one write with the next one (a step's end with the job's) still tells each apart.
 */
export interface JobEventSpec {
  type: JobEventTypeValue;
  step?: StepDoc;
  message?: string;
  agent?: AgentActivityDoc;
  as?: { progress: ProgressDoc; jobStatus: JobStatusValue };
}

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export class LeasedJob {
  /** The tail of this holder's writes to the job document, so they run one at a time. */
  private writes: Promise<unknown> = Promise.resolve();
  /** The last event sequence this holder wrote: the next append starts after it. */
  private lastSequence: number | undefined;
  /**
   * Until when (ms) the holder knows without asking that the lease is still its own: set
   * from a claim or a renewal the database confirmed (see `leaseConfirmed`). 0: ask first.
   */
  private heldSurelyUntil = 0;

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

  /**
   * The database confirmed the lease until `expiresAt` (a claim or a renewal). Nobody takes a
   * lease before it runs out (acquireLease refuses a live one), so until half the lease is left
   * a write need not read the record first: that margin covers the clocks of other processes
   * and a write queued behind others. A holder that stalls past it reads again, as before.
   */
  leaseConfirmed(expiresAt: number, leaseMs: number): void {
    this.heldSurelyUntil = Math.max(this.heldSurelyUntil, expiresAt - leaseMs / 2);
  }

  /** From now on every write reads the record first (the lease is being let go). */
  forgetLeaseConfirmation(): void {
    this.heldSurelyUntil = 0;
  }

  /** Whether the lease is surely still this holder's without reading the record. */
  leaseSurelyHeld(): boolean {
    return Date.now() < this.heldSurelyUntil;
  }

  /** Writes the given fields (and recomputed progress); throws LeaseLostError if not ours any more. */
  save(set: Partial<JobDoc>, progressMessage?: string): Promise<void> {
    return this.exclusive(async () => {
      const steps = set.steps ?? this.doc.steps;
      const progress = set.progress ?? jobProgress(steps, progressMessage);
      const changes = { ...set, progress, updatedAt: new Date() };
      await this.durably(async () => {
        if (!this.leaseSurelyHeld() && !(await stillHeld(this.stores, this.lease))) {
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
    await this.emitMany([{ type, ...opts }]);
  }

  /** Appends events in this order, in one insert (see JobEventsRepository.appendMany). */
  async emitMany(events: readonly JobEventSpec[]): Promise<void> {
    if (events.length === 0) return;
    const docs = events.map((e) => this.newEvent(e));
    const before = this.lastSequence;
    let tried = false;
    const sequence = await this.durably(async () => {
      let rest = docs;
      let known = before;
      // An append the database took but did not confirm is not made twice: only this
      // holder appends to the job now, so sequences past ours are those appends.
      if (tried && before !== undefined) {
        const done = Math.max(0, Math.min(docs.length, (await this.stores.events.lastSequence(this.doc._id)) - before));
        rest = docs.slice(done);
        known = before + done;
        if (rest.length === 0) return before + docs.length;
      }
      tried = true;
      const stored = await this.stores.events.appendMany(rest, known);
      return stored[stored.length - 1]!.sequence;
    });
    this.lastSequence = sequence;
  }

  /** Runs `write`, retrying while the database does not answer (up to `dbRetryMs`). */
  durably<T>(write: () => Promise<T>): Promise<T> {
    return retryTransient(write, this.dbRetryMs);
  }

  private newEvent(e: JobEventSpec): NewJobEvent {
    const { output: _output, ...snapshot } = e.step ?? ({} as StepDoc);
    return {
      jobId: this.doc._id,
      tenantId: this.doc.tenantId,
      batchId: this.doc.batchId,
      type: e.type,
      step: e.step ? snapshot : null,
      progress: e.as?.progress ?? this.doc.progress,
      message: e.message ?? null,
      jobStatus: e.as?.jobStatus ?? this.doc.status,
      ...traceIdField(this.doc),
      // Only agent events carry the field, so other events are stored as before.
      ...(e.agent ? { agent: e.agent } : {}),
    };
  }
}
