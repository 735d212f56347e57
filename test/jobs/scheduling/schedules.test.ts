/**
 * Recurring schedules through the real API (API and worker in this process, the offline
 * provider): create (checked like a submission, errors naming `input.job.…`, the cron and the
 * time zone), list, pause, resume, delete, tenant isolation; a tick missed while no worker ran
 * submits once, not once per missed tick; a tick fired twice submits once.
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { gql, gqlData } from '../../support/graphql-client.js';
import { gqlErrors, tag, waitForStatus } from '../jobs-harness.js';
import { fireScheduleTick } from '../../../src/jobs/schedules/index.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { SCHEDULES_MAX_PER_TENANT: '3' } });
});
afterAll(async () => {
  await app?.stop();
});

const FIELDS = 'id name cron timezone status job nextRunAt lastRunAt lastError recentJobs { id status scheduleId idempotencyKey }';
const CREATE = `mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ${FIELDS} } }`;
const job = { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'summarise yesterday' }] } };

test('create, list, pause, resume and delete; another tenant sees none of it', async () => {
  const { createSchedule: s } = await gqlData(app.url, app.key, CREATE, { input: { name: 'nightly', cron: '0 7 * * *', timezone: 'Europe/Berlin', job } });
  expect(s).toMatchObject({ name: 'nightly', cron: '0 7 * * *', timezone: 'Europe/Berlin', status: 'ACTIVE', job, lastRunAt: null, recentJobs: [] });
  // 07:00 in Berlin is 05:00 or 06:00 UTC, whatever the season.
  expect([5, 6]).toContain(new Date(s.nextRunAt).getUTCHours());
  expect((await gqlData(app.url, app.key, `{ schedules { id } }`)).schedules).toEqual([{ id: s.id }]);

  const { pauseSchedule } = await gqlData(app.url, app.key, `mutation($id: ID!) { pauseSchedule(id: $id) { status nextRunAt } }`, { id: s.id });
  expect(pauseSchedule).toEqual({ status: 'PAUSED', nextRunAt: null });
  const { resumeSchedule } = await gqlData(app.url, app.key, `mutation($id: ID!) { resumeSchedule(id: $id) { status nextRunAt } }`, { id: s.id });
  expect(resumeSchedule).toEqual({ status: 'ACTIVE', nextRunAt: s.nextRunAt });

  const other = await app.newTenantKey(tag('other'));
  expect((await gqlData(app.url, other, `{ schedules { id } }`)).schedules).toEqual([]);
  expect((await gqlData(app.url, other, `query($id: ID!) { schedule(id: $id) { id } }`, { id: s.id })).schedule).toBeNull();
  const foreign = await gql(app.url, other, `mutation($id: ID!) { deleteSchedule(id: $id) }`, { id: s.id });
  expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

  expect((await gqlData(app.url, app.key, `mutation($id: ID!) { deleteSchedule(id: $id) }`, { id: s.id })).deleteSchedule).toBe(true);
  expect((await gqlData(app.url, app.key, `{ schedules { id } }`)).schedules).toEqual([]);
  expect(await app.services.jobStores.timers.findById(`schedule:${s.id}:${Date.parse(s.nextRunAt)}`)).toBeNull();
});

test('bad schedules are refused naming the field', async () => {
  const errorOf = async (input: Record<string, unknown>) => (await gqlErrors(app, CREATE, { input: { name: 'x', cron: '* * * * *', job, ...input } }))[0]!.extensions;
  expect(await errorOf({ cron: '* * *' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'cron'] });
  expect(await errorOf({ cron: '99 * * * *' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'cron'] });
  expect(await errorOf({ timezone: 'Mars/Olympus' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'timezone'] });
  expect(await errorOf({ name: '' })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'name'] });
  expect(await errorOf({ job: { ...job, kind: 'nope' } })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'job', 'kind'] });
  expect(await errorOf({ job: { kind: 'chain', input: { steps: [] } } })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'job', 'input', 'steps'] });
  expect(await errorOf({ job: { ...job, idempotencyKey: 'k' } })).toMatchObject({ code: 'BAD_USER_INPUT', path: ['input', 'job', 'idempotencyKey'] });
  expect((await gqlData(app.url, app.key, `{ schedules { id } }`)).schedules).toEqual([]);
});

test('SCHEDULES_MAX_PER_TENANT bounds a tenant', async () => {
  const key = await app.newTenantKey(tag('many'));
  for (let i = 0; i < 3; i++) await gqlData(app.url, key, CREATE, { input: { name: `s${i}`, cron: '0 0 1 1 *', job } });
  const over = await gql(app.url, key, CREATE, { input: { name: 's3', cron: '0 0 1 1 *', job } });
  expect(over.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
});

test('a tick missed long ago submits one job, and the next tick is after now; firing it again submits nothing more', async () => {
  const key = await app.newTenantKey(tag('missed'));
  const { createSchedule: s } = await gqlData(app.url, key, CREATE, { input: { name: 'hourly', cron: '0 * * * *', job } });
  // As if every worker had been down for three hours: the schedule still waits for a tick long past.
  const missed = new Date(Date.now() - 3 * 3_600_000);
  missed.setUTCMinutes(0, 0, 0);
  const { schedules, timers } = app.services.jobStores;
  await schedules.update(s.id, { nextRunAt: missed });
  const deps = { schedules, timers: app.services.jobs.domain.timers, submit: (tenantId: string, req: Record<string, unknown>) => app.services.jobs.service.submitFromSchedule(tenantId, req) };
  await fireScheduleTick(deps, s.id, missed);
  await fireScheduleTick(deps, s.id, missed);
  const { schedule } = await gqlData(app.url, key, `query($id: ID!) { schedule(id: $id) { ${FIELDS} } }`, { id: s.id });
  expect(schedule.recentJobs).toHaveLength(1);
  expect(schedule.recentJobs[0]).toMatchObject({ scheduleId: s.id, idempotencyKey: `schedule:${s.id}:${missed.toISOString()}` });
  expect(schedule.lastRunAt).toBe(missed.toISOString());
  expect(Date.parse(schedule.nextRunAt)).toBeGreaterThan(Date.now());
  expect(new Date(schedule.nextRunAt).getUTCMinutes()).toBe(0);
  const { jobs } = await gqlData(app.url, key, `{ jobs { totalCount } }`);
  expect(jobs.totalCount).toBe(1);
  expect((await waitForStatus({ url: app.url, key }, schedule.recentJobs[0].id, ['SUCCEEDED', 'FAILED'])).status).toBe('SUCCEEDED');
  await gqlData(app.url, key, `mutation($id: ID!) { deleteSchedule(id: $id) }`, { id: s.id });
}, 30_000);
