/**
 * A schedule firing every 5 seconds (the six-field cron "star-slash-5 * * * * *") with two worker processes (`node dist/main.js`, ROLE=worker)
 * sweeping the same timers: every tick makes exactly one job (its idempotency key names the
 * tick, and no tick is repeated or skipped), and after deleteSchedule returns no tick makes
 * another — checked after a marker job, submitted with a start time two ticks later, has
 * started. Needs `npm run build` (npm test does it).
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { pollUntil } from '../../support/eventually.js';
import { gqlData } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { tag, waitForStatus } from '../jobs-harness.js';

let api: TestApp;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  api = await startTestApp({ role: 'api' });
  for (let i = 0; i < 2; i++) workers.push(await startServiceProcess({ ROLE: 'worker', MONGODB_URI: api.db.uri, JOB_POLL_INTERVAL: '100ms' }));
});
afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop('SIGKILL')));
  await api?.stop();
});

const JOBS = `{ jobs(first: 100) { totalCount edges { node { id kind status scheduleId idempotencyKey } } } }`;

test('every 5 seconds on two workers: one job per tick, none after deleteSchedule', async () => {
  const key = await api.newTenantKey(tag('ticks'));
  const app = { url: api.url, key };
  const { createSchedule } = await gqlData(api.url, key, `mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { id nextRunAt } }`, {
    input: { name: 'every five seconds', cron: '*/5 * * * * *', job: { kind: 'chain', input: { steps: [{ name: 'a', prompt: 'tick' }] } } },
  });
  const id: string = createSchedule.id;
  // Four ticks.
  await pollUntil(() => gqlData(api.url, key, JOBS), (d: any) => d.jobs.totalCount >= 4, 60_000, 200);
  expect((await gqlData(api.url, key, `mutation($id: ID!) { deleteSchedule(id: $id) }`, { id })).deleteSchedule).toBe(true);
  const atDelete = (await gqlData(api.url, key, JOBS)).jobs;

  const ticks = atDelete.edges.map((e: any) => e.node.idempotencyKey as string);
  expect(atDelete.edges.every((e: any) => e.node.scheduleId === id)).toBe(true);
  expect(new Set(ticks).size).toBe(ticks.length);
  const times = ticks.map((k: string) => Date.parse(k.slice(`schedule:${id}:`.length))).sort((a: number, b: number) => a - b);
  expect(times[0]).toBe(Date.parse(createSchedule.nextRunAt));
  for (const [i, t] of times.entries()) expect(t).toBe(times[0] + i * 5_000);

  // A marker two ticks after the delete: once it has started, those ticks have passed.
  const { submitJob: marker } = await gqlData(api.url, key, `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }`, {
    input: { kind: 'chain', input: { steps: [{ name: 'm', prompt: 'marker' }] }, runAt: new Date(Date.now() + 11_000).toISOString() },
  });
  await waitForStatus(app, marker.id, ['SUCCEEDED', 'FAILED'], 60_000);
  const after = (await gqlData(api.url, key, JOBS)).jobs;
  expect(after.totalCount).toBe(atDelete.totalCount + 1);
  // Every tick's job ran, once.
  for (const e of atDelete.edges) expect((await waitForStatus(app, e.node.id, ['SUCCEEDED', 'FAILED'], 30_000)).status).toBe('SUCCEEDED');
}, 180_000);
