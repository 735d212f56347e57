/**
 * One AI rate limit for all workers: three worker processes share AI_RPM through the
 * database (counted at the fake OpenAI server per window), and after a burst of 429s
 * with Retry-After every one of them waits, and the shared rate is halved. The AIMD
 * arithmetic itself is checked directly.
 */
import { createTestDb, type TestDb } from '../../support/db.js';
import { fakeErrors, startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../../support/fake-openai.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { currentFactor, MIN_FACTOR, RECOVERY_PER_WINDOW } from '../../../src/jobs/ai-control/shared-rate-limit.js';
import { newKey, stopAll } from '../live/subscriptions-harness.js';
import { userOf } from '../jobs-harness.js';

const WINDOW_MS = 3_000;
/** AI_RPM=60 counted in 3 s windows: 3 requests a window. */
const PER_WINDOW = 3;
/** A generous bound on a request's way from a worker's slot claim to the fake's socket. */
const TRANSIT_MS = 500;

let db: TestDb | undefined;
let fake: FakeOpenAi | undefined;
let api: ServiceProcess | undefined;
let workers: ServiceProcess[] = [];
let key: string;

describe('AIMD arithmetic', () => {
  test('a decrease holds for its window, then the share grows back by a tenth per window up to 1', () => {
    const at = new Date(0);
    expect(currentFactor(null, 0, 1000)).toBe(1);
    expect(currentFactor({ factor: 0.5, decreasedAt: at }, 999, 1000)).toBe(0.5);
    expect(currentFactor({ factor: 0.5, decreasedAt: at }, 1000, 1000)).toBeCloseTo(0.5 + RECOVERY_PER_WINDOW, 9);
    expect(currentFactor({ factor: MIN_FACTOR, decreasedAt: at }, 100_000, 1000)).toBe(1);
  });
});

describe('three worker processes', () => {
  beforeAll(async () => {
    db = await createTestDb('ai_rate');
    fake = await startFakeOpenAi();
    api = await startServiceProcess({ MONGODB_URI: db.uri, ROLE: 'api' });
    const env = {
      MONGODB_URI: db.uri,
      ROLE: 'worker',
      JOB_LEASE: '30s',
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'test',
      AI_RPM: '60',
      AI_RATE_WINDOW: `${WINDOW_MS}ms`,
      TENANT_MAX_RUNNING: '12',
    };
    workers = await Promise.all([startServiceProcess(env), startServiceProcess(env), startServiceProcess(env)]);
    key = await newKey(db, 'rated');
  }, 120_000);

  afterAll(async () => {
    await stopAll([], [api, ...workers]);
    await fake?.close();
    await db?.close();
  }, 60_000);

  async function submitMany(marker: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { submitJob } = await gqlData(api!.url, key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', {
        input: { kind: 'chain', input: { steps: [{ name: 's', prompt: `${marker} ${i}` }] } },
      });
      ids.push(submitJob.id);
    }
    return ids;
  }

  async function allSucceeded(ids: string[]): Promise<void> {
    await pollUntil(
      async () => Promise.all(ids.map(async (id) => (await gqlData(api!.url, key, 'query($id: ID!) { job(id: $id) { status } }', { id })).job.status)),
      (statuses) => statuses.every((s) => s === 'SUCCEEDED'),
      90_000,
      250,
    );
  }

  /**
   * The most requests that reached the fake within any stretch of `lengthMs`. A worker claims
   * its slot in a window and its request arrives a little later, so a stretch one window long
   * can catch the late arrivals of a third window: TRANSIT_MS is left out of the stretch.
   */
  function maxInAnyStretch(reqs: RecordedRequest[], lengthMs: number): number {
    const times = reqs.map((r) => r.receivedAt).sort((a, b) => a - b);
    let max = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= lengthMs) j++;
      max = Math.max(max, i - j + 1);
    }
    return max;
  }

  test('together they stay within AI_RPM', async () => {
    const ids = await submitMany('RATED', 12);
    await allSucceeded(ids);
    const reqs = fake!.requestsMatching((r) => userOf(r).startsWith('RATED'));
    expect(reqs).toHaveLength(12);
    // Fixed windows allow PER_WINDOW each; any stretch shorter than a window overlaps at most
    // two of them. Without the shared limit all 12 would go out together.
    expect(maxInAnyStretch(reqs, WINDOW_MS - TRANSIT_MS)).toBeLessThanOrEqual(2 * PER_WINDOW);
    // 12 requests at PER_WINDOW a window take four windows: first to last spans at least two.
    const times = reqs.map((r) => r.receivedAt);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2 * WINDOW_MS - TRANSIT_MS);
  }, 150_000);

  test('after a burst of 429s with Retry-After, no worker calls before it ends, and the shared rate is halved', async () => {
    fake!.reset();
    const RETRY_AFTER_MS = 4_000;
    let first429At = 0;
    fake!.onRequest((req) => {
      if (!userOf(req).startsWith('BURST')) return undefined;
      if (first429At === 0 || req.receivedAt - first429At < 300) {
        if (first429At === 0) first429At = req.receivedAt;
        return fakeErrors.rateLimited({ 'retry-after-ms': String(RETRY_AFTER_MS) });
      }
      return undefined;
    });
    const ids = await submitMany('BURST', 6);
    await allSucceeded(ids);
    const reqs = fake!.requestsMatching((r) => userOf(r).startsWith('BURST'));
    const answered = reqs.filter((r) => r.receivedAt - first429At >= 300);
    expect(answered.length).toBeGreaterThanOrEqual(6);
    // Every later request, from whichever worker, came after the Retry-After had passed
    // (less the half second a worker may take to read the shared state).
    for (const r of answered) expect(r.receivedAt - first429At).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 600);
    const state = await db!.db.collection('ai_rate_state').findOne({ _id: 'state:gpt-4o-mini' as never });
    expect(state?.factor).toBe(0.5);
  }, 150_000);
});
