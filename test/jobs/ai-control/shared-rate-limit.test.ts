/**
 * One AI rate limit for all workers: three worker processes share AI_RPM through the
 * database, and no stretch of one window sees more than the limit, even one that straddles
 * the edge of a fixed window (counted where the requests arrive, at the fake OpenAI server);
 * after a burst of 429s with Retry-After every one of them waits, and the shared rate is
 * halved. The sliding window itself is checked with two instances racing on one database,
 * and the AIMD arithmetic directly.
 */
import { createTestDb, type TestDb } from '../../support/db.js';
import { fakeErrors, startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from '../../support/fake-openai.js';
import { gqlData, pollUntil } from '../../support/graphql-client.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { RateLimitRepository } from '../../../src/db/jobs/index.js';
import { currentFactor, MIN_FACTOR, RECOVERY_PER_WINDOW, SharedRateLimit } from '../../../src/jobs/ai-control/shared-rate-limit.js';
import { SlidingWindowGrants } from '../../../src/jobs/ai-control/sliding-window-grants.js';
import { newKey, stopAll } from '../live/subscriptions-harness.js';
import { userOf } from '../jobs-harness.js';

const WINDOW_MS = 3_000;
/** AI_RPM=60 over a 3 s sliding window: 3 requests in any 3 s. */
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

/** The most of `times` within any stretch shorter than `lengthMs`. */
function maxInAnyStretch(times: number[], lengthMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= lengthMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('sliding window grants, two instances on one database', () => {
  let grantsDb: TestDb | undefined;
  afterAll(async () => grantsDb?.close());

  test('40 racing claims at capacity 3 per second: no second holds more than 3, and the series stays small', async () => {
    grantsDb = await createTestDb('ai_grants');
    const repo = new RateLimitRepository(grantsDb.db);
    const instances = [new SlidingWindowGrants(repo), new SlidingWindowGrants(repo)];
    const start = Date.now();
    const claim = (i: number): Promise<number> =>
      instances[i % 2]!.claim({ series: 'r:m', capacity: 3, maxCapacity: 3, count: 1, windowMs: 1_000, notBefore: start });
    const moments = await Promise.all(Array.from({ length: 40 }, (_, i) => claim(i)));
    // The moments are what the callers wait for, so the bound is exact: no transit to allow for.
    expect(maxInAnyStretch(moments, 1_000)).toBe(3);
    // 40 grants at 3 a second: the last is at least 13 windows after the first.
    expect(Math.max(...moments) - Math.min(...moments)).toBeGreaterThanOrEqual(13 * 1_000);
    // Grants three numbers back are dropped in batches of 16 per instance (in the background).
    await pollUntil(() => grantsDb!.db.collection('ai_rate_grants').countDocuments(), (n) => n <= 3 + 2 * 15, 10_000, 50);
  }, 60_000);

  test('a claim of several units (tokens) waits until all of them are a window past their predecessors', async () => {
    const repo = new RateLimitRepository(grantsDb!.db);
    const a = new SlidingWindowGrants(repo);
    const b = new SlidingWindowGrants(repo);
    const req = { series: 't:m', capacity: 10, maxCapacity: 10, windowMs: 1_000, notBefore: Date.now() };
    const first = await a.claim({ ...req, count: 6 });
    const second = await b.claim({ ...req, count: 6 });
    // 6 + 6 units exceed the 10 of a window: the second waits for the first one's window.
    expect(second - first).toBeGreaterThanOrEqual(1_000);
    const third = await a.claim({ ...req, count: 4 });
    // 4 more fit beside the second's 6 only once the first's 6 are a window old.
    expect(third).toBeGreaterThanOrEqual(first + 1_000);
    expect(third).toBeLessThan(second + 1_000);
  }, 30_000);
});

describe('AI_TPM beside AI_RPM, two instances on one database', () => {
  let tpmDb: TestDb | undefined;
  afterAll(async () => tpmDb?.close());

  test('calls of 60 tokens under 100 tokens a second go one a second, whichever instance asks', async () => {
    tpmDb = await createTestDb('ai_tpm');
    const repo = new RateLimitRepository(tpmDb.db);
    // Per 1 s window: 10 requests, 100 tokens; a 60-token call takes 120 of the 200 token units.
    const opts = { rpm: { '*': 600 }, tpm: { '*': 6_000 }, windowMs: 1_000, defaultBlockMs: 1_000 };
    const instances = [new SharedRateLimit(repo, opts), new SharedRateLimit(repo, opts)];
    const granted = await Promise.all([0, 1, 2].map(async (i) => (await instances[i % 2]!.acquire('m', 60), Date.now())));
    // Measured when acquire returned, which may be a little after the moment granted (a loaded
    // database, timers firing late): TRANSIT_MS is left out of the stretch, as at the fake.
    expect(maxInAnyStretch(granted, 1_000 - TRANSIT_MS)).toBe(1);
    // The moments granted are exact: the request limit (10 a second) would let all three go
    // at once; their requests were granted for the moments their tokens were, a second apart.
    const requests = await tpmDb.db.collection('ai_rate_grants').find({ _id: { $in: ['r:m:0', 'r:m:1', 'r:m:2', 'r:m:3'] } } as never).toArray();
    const moments = requests.map((g) => (g.at as Date).getTime());
    expect(moments).toHaveLength(3);
    expect(maxInAnyStretch(moments, 1_000)).toBe(1);
  }, 30_000);
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

  test('together they stay within AI_RPM in every stretch of a window, across the edges of fixed windows', async () => {
    // Start 40% into a window counted from the epoch, as fixed windows were: they let 3 calls
    // out now and 3 more at the next edge, 1.8 s later. A sliding window holds those back.
    await new Promise((resolve) => setTimeout(resolve, (0.4 * WINDOW_MS - (Date.now() % WINDOW_MS) + WINDOW_MS) % WINDOW_MS));
    const ids = await submitMany('RATED', 12);
    await allSucceeded(ids);
    const reqs = fake!.requestsMatching((r) => userOf(r).startsWith('RATED'));
    expect(reqs).toHaveLength(12);
    // A worker is granted its call at a moment and the request arrives a little later, so a
    // stretch shorter by TRANSIT_MS is counted. Without the shared limit all 12 go together.
    const times = reqs.map((r) => r.receivedAt);
    expect(maxInAnyStretch(times, WINDOW_MS - TRANSIT_MS)).toBeLessThanOrEqual(PER_WINDOW);
    // 12 requests at PER_WINDOW a window take four windows: first to last spans at least three.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(3 * WINDOW_MS - TRANSIT_MS);
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
