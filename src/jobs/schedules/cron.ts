/**
 * Cron expressions of recurring schedules, read by `cron-parser`: 5 fields (minute hour
 * day-of-month month day-of-week), or 6 with seconds first, or a macro such as `@daily`; in
 * an IANA time zone (`Europe/Berlin`), so "07:00" stays 07:00 across daylight-saving changes.
 * Pure functions: the clock is an argument.
 */
import { CronExpressionParser } from 'cron-parser';

/** A checked expression and zone, or what is wrong, naming which of the two. */
export function checkCron(cron: string, timezone: string): { problem: string; field: 'cron' | 'timezone' } | null {
  if (!isTimeZone(timezone)) return { field: 'timezone', problem: `is not an IANA time zone such as UTC or Europe/Berlin` };
  const text = cron.trim();
  const fields = text.split(/\s+/).length;
  if (!text.startsWith('@') && fields !== 5 && fields !== 6) {
    return { field: 'cron', problem: `has ${fields} fields; expected 5 (minute hour day month weekday) or 6 (seconds first)` };
  }
  try {
    nextTick(text, timezone, new Date());
  } catch (err) {
    return { field: 'cron', problem: `is not a cron expression: ${(err as Error).message}` };
  }
  return null;
}

/** The first tick strictly after `after`. Throws for an expression checkCron refuses. */
export function nextTick(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron.trim(), { tz: timezone, currentDate: after }).next().toDate();
}

function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
