import { gqlData, pollUntil } from '../support/graphql-client.js';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

test('a chain job submitted over GraphQL runs to SUCCEEDED with its result stored', async () => {
  const { submitJob } = await gqlData(app.url, app.key, `mutation { submitJob(input: { kind: "chain", input: { steps: [{ name: "a", prompt: "hello" }] } }) { id status } }`);
  expect(submitJob.status).toBe('QUEUED');
  const job = await pollUntil(
    () => gqlData(app.url, app.key, `query($id: ID!) { job(id: $id) { status result } }`, { id: submitJob.id }),
    (d) => d.job.status === 'SUCCEEDED',
    20_000,
  );
  expect(job.job.result.final).toContain('hello');
});
