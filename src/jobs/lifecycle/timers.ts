/**
 * Timers of waits that end by themselves: a SCHEDULED job's start time, a review's timeout
 * (and the check that an answer reached its job), a schedule's next tick. Each is a document
 * in `job_timers` (src/db/jobs/timers.repository.ts) until it has fired.
 *
 * Every worker sweeps every JOB_POLL_INTERVAL. A sweep first reads one document by `_id`, the
 * hint of the earliest due time; only when something is due (or at least every
 * `rescanEveryMs`, in case a writer's lowering of the hint was lost to a concurrent write)
 * does it query the pending timers, once, for the earliest few: what is due and when the next
 * one is. So an idle sweep costs one lookup (bench/timers.mjs: ~1–2 ms with 10,000 pending on
 * FerretDB, where a query of them costs ~0.6 s), and a sweep with work reads a collection that
 * holds only timers still to fire.
 *
 * Firing is at least once: two workers may fire one timer, and a worker that dies after
 * firing and before deleting fires it again later. Every handler is idempotent: a wake takes
 * a unique lease claim, a review's timeout is an answer inserted under a unique `_id`, a
 * schedule's tick submits with an idempotency key made of the schedule and the tick.
 */
import type { TimerDoc, TimerKind, TimersRepository } from '../../db/jobs/index.js';

export type TimerHandlers = Record<TimerKind, (timer: TimerDoc) => Promise<void>>;

export interface TimerSweepOptions {
  /** Timers fired per query. @defaultValue 100 */
  batch?: number;
  /**
   * Longest time between two queries of the pending timers, whatever the hint says: how late a
   * timer can fire when a concurrent write lost the hint's lowering. @defaultValue 5 s
   */
  rescanEveryMs?: number;
}

export class JobTimers {
  private lastScanAt = 0;
  private readonly batch: number;
  private readonly rescanEveryMs: number;

  constructor(
    readonly repo: TimersRepository,
    opts: TimerSweepOptions = {},
  ) {
    this.batch = opts.batch ?? 100;
    this.rescanEveryMs = opts.rescanEveryMs ?? 5_000;
  }

  /** Sets a timer under `id` (a second set of one id is a no-op). */
  set(id: string, kind: TimerKind, ref: string, dueAt: Date): Promise<void> {
    return this.repo.set({ _id: id, kind, ref, dueAt });
  }

  clear(id: string): Promise<void> {
    return this.repo.remove(id);
  }

  /**
   * One pass: fires the due timers, each by its kind's handler, and deletes each once its
   * handler returned (a failing handler's timer stays, and fires again next pass). Returns the
   * number fired.
   */
  async sweep(handlers: TimerHandlers, onError: (err: unknown, timer: TimerDoc) => void, now = new Date()): Promise<number> {
    const hint = await this.repo.hint();
    const rescanDue = now.getTime() - this.lastScanAt >= this.rescanEveryMs;
    if (hint && hint.dueAt.getTime() > now.getTime() && !rescanDue) return 0;
    this.lastScanAt = now.getTime();
    const earliest = await this.repo.earliest(this.batch + 1);
    const due = earliest.filter((t) => t.dueAt.getTime() <= now.getTime()).slice(0, this.batch);
    let fired = 0;
    const failed = new Set<string>();
    for (const timer of due) {
      try {
        await handlers[timer.kind](timer);
        await this.repo.remove(timer._id);
        fired += 1;
      } catch (err) {
        failed.add(timer._id);
        onError(err, timer);
      }
    }
    // The hint follows what is left: the first timer not fired (due ones beyond this batch, or a
    // failed one, make it now), or a rescan's time when none is pending.
    const firedIds = new Set(due.filter((t) => !failed.has(t._id)).map((t) => t._id));
    const next = earliest.find((t) => !firedIds.has(t._id))?.dueAt ?? null;
    await this.repo.raiseHint(next ?? new Date(now.getTime() + this.rescanEveryMs), hint?.version ?? null);
    return fired;
  }
}
