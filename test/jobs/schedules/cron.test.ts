/** Cron expressions of schedules (pure): what is refused, and ticks in a time zone across a daylight-saving change. */
import { checkCron, nextTick } from '../../../src/jobs/schedules/cron.js';

test('5 or 6 fields or a macro, in an IANA zone; anything else names its field', () => {
  expect(checkCron('0 7 * * *', 'Europe/Berlin')).toBeNull();
  expect(checkCron('*/5 * * * * *', 'UTC')).toBeNull();
  expect(checkCron('@daily', 'America/New_York')).toBeNull();
  expect(checkCron('* * *', 'UTC')).toMatchObject({ field: 'cron' });
  expect(checkCron('* * * * * * *', 'UTC')).toMatchObject({ field: 'cron' });
  expect(checkCron('61 * * * *', 'UTC')).toMatchObject({ field: 'cron' });
  expect(checkCron('0 7 * * *', 'Nowhere/City')).toMatchObject({ field: 'timezone' });
  expect(checkCron('0 7 * * *', '')).toMatchObject({ field: 'timezone' });
});

test('07:00 in Berlin stays 07:00 local across the spring change; ticks are strictly after', () => {
  const before = nextTick('0 7 * * *', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'));
  const after = nextTick('0 7 * * *', 'Europe/Berlin', before);
  expect(before.toISOString()).toBe('2026-03-29T05:00:00.000Z');
  expect(after.toISOString()).toBe('2026-03-30T05:00:00.000Z');
  expect(nextTick('0 7 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z')).toISOString()).toBe('2026-03-28T06:00:00.000Z');
  const tick = new Date('2026-01-01T00:00:05.000Z');
  expect(nextTick('*/5 * * * * *', 'UTC', tick).toISOString()).toBe('2026-01-01T00:00:10.000Z');
});
