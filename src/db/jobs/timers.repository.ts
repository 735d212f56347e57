/**
 * `job_timers`: the pending timers of waits that end by themselves — a job's start time, a
 * review's timeout, a schedule's next tick — one small document each, deleted once fired, so
 * the collection holds only what is still to come. `job_timer_hint` holds one document, the
 * earliest due time as far as writers know, so a sweep that finds nothing due reads one
 * document by `_id` and nothing else (see src/jobs/lifecycle/timers.ts).
 *
 * A timer's `_id` names what it does (`run-at:<job>`, `schedule:<id>:<tick ms>` …) and is
 * never reused for another due time: setting it twice inserts once, and deleting it after
 * it fired never removes a newer timer.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

/** What a timer does when due; the handlers live in the jobs domain. */
export type TimerKind = 'run-at' | 'run-at-batch' | 'review' | 'schedule';

export interface TimerDoc {
  _id: string;
  kind: TimerKind;
  /** What it is about: a job, batch or schedule id. */
  ref: string;
  dueAt: Date;
  createdAt: Date;
}

export interface TimerHintDoc {
  /** Always 'next': one document. */
  _id: string;
  /** No timer is due before this, unless a writer's lowering of it was lost (see the sweep's rescan). */
  dueAt: Date;
  /** Raised by every lowering, so a sweep does not raise the hint over a timer set meanwhile. */
  version: number;
}

export class TimersRepository {
  readonly timers: Collection<TimerDoc>;
  private readonly hints: Collection<TimerHintDoc>;

  constructor(db: Db) {
    this.timers = db.collection<TimerDoc>('job_timers');
    this.hints = db.collection<TimerHintDoc>('job_timer_hint');
  }

  async ensureIndexes(): Promise<void> {
    await this.timers.createIndex({ dueAt: 1 });
  }

  /** Inserts the timer unless one with its id is pending; then lowers the hint to its due time. */
  async set(timer: Omit<TimerDoc, 'createdAt'>): Promise<void> {
    await insertUnlessTaken(this.timers, { ...timer, createdAt: new Date() });
    const hint = await this.hints.findOne({ _id: 'next' });
    if (hint && hint.dueAt.getTime() <= timer.dueAt.getTime()) return;
    if (!hint) {
      if (await insertUnlessTaken(this.hints, { _id: 'next', dueAt: timer.dueAt, version: 1 })) return;
    }
    await this.hints.updateOne({ _id: 'next' }, { $set: { dueAt: timer.dueAt }, $inc: { version: 1 } });
  }

  async remove(id: string): Promise<void> {
    await this.timers.deleteOne({ _id: id });
  }

  findById(id: string): Promise<TimerDoc | null> {
    return this.timers.findOne({ _id: id });
  }

  /**
   * The `limit` earliest pending timers, due or not: one query tells both what is due and when
   * the next one is (on FerretDB any query reads the whole collection, so one read, not two).
   */
  earliest(limit: number): Promise<TimerDoc[]> {
    return this.timers.find({}).sort({ dueAt: 1 }).limit(limit).toArray();
  }

  hint(): Promise<TimerHintDoc | null> {
    return this.hints.findOne({ _id: 'next' });
  }

  /** Moves the hint to `dueAt` unless a writer lowered it since `version` was read. */
  async raiseHint(dueAt: Date, version: number | null): Promise<void> {
    if (version === null) {
      await insertUnlessTaken(this.hints, { _id: 'next', dueAt, version: 1 });
      return;
    }
    const current = await this.hints.findOne({ _id: 'next' });
    if (current?.version !== version) return;
    await this.hints.updateOne({ _id: 'next' }, { $set: { dueAt } });
  }
}
