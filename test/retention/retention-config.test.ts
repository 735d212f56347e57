/** The retention settings: defaults, `0` for "keep forever", and a clear error naming the variable. */
import { loadConfig } from '../../src/config/index.js';

const DAY = 86_400_000;

test('defaults: events for 7 days, finished jobs for 30', () => {
  expect(loadConfig({}).retention).toEqual({ eventsMs: 7 * DAY, jobsMs: 30 * DAY, intervalMs: 60_000, batchSize: 20, pauseMs: 200 });
});

test('JOB_RETENTION=0 keeps finished jobs forever; other durations parse as usual', () => {
  const { retention } = loadConfig({ JOB_RETENTION: '0', EVENT_RETENTION: '36h', RETENTION_BATCH: '5' });
  expect(retention).toMatchObject({ jobsMs: 0, eventsMs: 36 * 3_600_000, batchSize: 5 });
});

test.each([
  ['EVENT_RETENTION', 'a week'],
  ['JOB_RETENTION', '-1d'],
  ['RETENTION_BATCH', '0'],
])('%s=%s is refused with its name', (name, value) => {
  expect(() => loadConfig({ [name]: value })).toThrow(name);
});
