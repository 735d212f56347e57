/** Schedules: cron expressions in time zones, and the ticks that submit a recurring schedule's jobs. */
export { checkCron, nextTick } from './cron.js';
export { fireScheduleTick, scheduleTimerId, setTickTimer, tickIdempotencyKey } from './schedule-ticks.js';
export type { ScheduleTickDeps } from './schedule-ticks.js';
