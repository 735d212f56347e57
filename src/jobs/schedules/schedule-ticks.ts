/**
 * A schedule's ticks. Each pending tick is a timer (`schedule:<id>:<tick ms>`, lifecycle/
 * timers.ts); when it fires, under the schedule's lock:
 *   1. a schedule that is gone, paused, or already past this tick is left alone;
 *   2. the next tick's timer is set — the first tick after the later of this tick and now, so
 *      ticks missed while every worker was down make one job, not one each;
 *   3. the job is submitted with the idempotency key `schedule:<id>:<tick>`, so a tick fired
 *      again (a worker that died half way, a timer fired twice) returns the same job;
 *   4. the schedule records the tick, the job (or why there is none) and its next tick.
 * Two workers firing one tick queue on the lock, and the second finds the schedule past it.
 * Deleting or pausing a schedule takes the same lock, so no tick submits after either returns.
 */
import { RECENT_SCHEDULE_JOBS, type JobDoc, type ScheduleDoc, type SchedulesRepository } from '../../db/jobs/index.js';
import { AppError } from '../../errors/index.js';
import type { JobTimers } from '../lifecycle/index.js';
import { nextTick } from './cron.js';

export interface ScheduleTickDeps {
  schedules: SchedulesRepository;
  timers: JobTimers;
  /** Submits one job for the tenant (submitJob), with the schedule's template and the tick's key. */
  submit(tenantId: string, request: Record<string, unknown> & { idempotencyKey: string; scheduleId: string }): Promise<JobDoc>;
}

export const scheduleTimerId = (scheduleId: string, tick: Date): string => `schedule:${scheduleId}:${tick.getTime()}`;

/** The idempotency key of one tick's job: the same however often the tick fires. */
export const tickIdempotencyKey = (scheduleId: string, tick: Date): string => `schedule:${scheduleId}:${tick.toISOString()}`;

/** Sets the timer of the schedule's next tick. */
export function setTickTimer(timers: JobTimers, schedule: Pick<ScheduleDoc, '_id'>, tick: Date): Promise<void> {
  return timers.set(scheduleTimerId(schedule._id, tick), 'schedule', schedule._id, tick);
}

/** The handler of a 'schedule' timer for `tick`. */
export function fireScheduleTick(deps: ScheduleTickDeps, scheduleId: string, tick: Date): Promise<void> {
  return deps.schedules.withSchedule(scheduleId, async () => {
    const schedule = await deps.schedules.findById(scheduleId);
    if (!schedule || schedule.status !== 'ACTIVE' || schedule.nextRunAt?.getTime() !== tick.getTime()) return;
    const next = nextTick(schedule.cron, schedule.timezone, new Date(Math.max(tick.getTime(), Date.now())));
    await setTickTimer(deps.timers, schedule, next);
    let jobId: string | null = null;
    let lastError: string | null = null;
    try {
      const template = JSON.parse(schedule.job) as Record<string, unknown>;
      jobId = (await deps.submit(schedule.tenantId, { ...template, idempotencyKey: tickIdempotencyKey(scheduleId, tick), scheduleId }))._id;
    } catch (err) {
      // The caller's kind of trouble (a budget used up, a kind no longer deployed) is the schedule's to show; anything else fires again.
      if (!(err instanceof AppError)) throw err;
      lastError = err.message;
    }
    const recentJobIds = jobId ? [jobId, ...schedule.recentJobIds.filter((id) => id !== jobId)].slice(0, RECENT_SCHEDULE_JOBS) : schedule.recentJobIds;
    await deps.schedules.update(scheduleId, { nextRunAt: next, lastRunAt: tick, recentJobIds, lastError });
  });
}
