/**
 * Fan-out once per event, against the real API (in this process) with real WebSockets:
 * subscriptions of one shape are sent byte-identical frames built once (counted by the
 * service's own metrics), a socket that stops reading is closed at WS_SEND_BUFFER_BYTES
 * without holding up anyone else, and its client resumes exactly with afterSequence.
 * Jobs wait at a gate of the fake OpenAI server, so "live" is a state the test controls.
 */
import { startTestApp, type TestApp } from '../../support/app.js';
import { pollUntil } from '../../support/eventually.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { gqlData } from '../../support/graphql-client.js';
import { scrape, valueOf } from '../../support/metrics-scrape.js';
import { RawGraphQLWs, type RawMessage } from '../../support/raw-graphql-ws.js';
import { Gates, range, storedEvents, within } from '../../jobs/live/subscriptions-harness.js';

const LIMIT = 64 * 1024;
const MAX_RESPONSE = 1_000_000;
const WAIT = 60_000;

const EVENTS = `subscription($jobId: ID!, $after: Int) {
  jobEvents(jobId: $jobId, afterSequence: $after) { id sequence type at message step { name status } job { id status } traceId }
}`;
/** Frames of ~150 KB: the job's input rides along with every event. */
const BIG_EVENTS = 'subscription($jobId: ID!, $after: Int) { jobEvents(jobId: $jobId, afterSequence: $after) { sequence type job { input } } }';

let app: TestApp | undefined;
let fake: FakeOpenAi | undefined;
let gates: Gates;
const sockets: RawGraphQLWs[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
  gates = new Gates(fake);
  app = await startTestApp({
    env: { AI_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test', WS_SEND_BUFFER_BYTES: String(LIMIT), MAX_RESPONSE_BYTES: String(MAX_RESPONSE) },
  });
}, 60_000);

afterAll(async () => {
  gates?.openAll();
  for (const s of sockets) s.close();
  await app?.stop();
  await fake?.close();
}, 60_000);

async function open(): Promise<RawGraphQLWs> {
  const socket = await RawGraphQLWs.open(app!.url, app!.key);
  sockets.push(socket);
  return socket;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  return valueOf(await scrape(app!.url.replace(/\/graphql$/, '/metrics')), name, labels);
}

/** A two-step chain job (its first prompt naming `gate`, if any); resolves with its id. */
async function submitJob(gate: string, variables: Record<string, unknown> = {}): Promise<string> {
  const input = { steps: [{ name: 's1', prompt: `${gate}: step one` }, { name: 's2', prompt: 'step two' }], variables };
  const data = await gqlData<{ submitJob: { id: string } }>(app!.url, app!.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', {
    input: { kind: 'chain', input },
  });
  return data.submitJob.id;
}

/** A job held at its first AI call until the gate opens; resolves once it waits there, with the events stored by then. */
async function jobAtGate(gate: string, variables: Record<string, unknown> = {}): Promise<{ id: string; stored: number }> {
  const id = await submitJob(gate, variables);
  await fake!.waitFor(() => fake!.requests.some((r) => JSON.stringify(r.body).includes(gate)), WAIT);
  return { id, stored: (await storedEvents(app!.url, app!.key, id)).length };
}

const nexts = (messages: RawMessage[]): RawMessage[] => messages.filter((m) => m.type === 'next');
const sequences = (messages: RawMessage[]): number[] => nexts(messages).map((m) => m.payload.data.jobEvents.sequence);
const completed = (id: string) => (ms: RawMessage[]) => ms.some((m) => m.id === id && m.type === 'complete');
const hasSequence = (id: string, n: number) => (ms: RawMessage[]) => ms.some((m) => m.id === id && m.type === 'next' && m.payload.data.jobEvents.sequence === n);

test('subscriptions of one shape get byte-identical frames, each event built once and read from the feed once', async () => {
  const gate = gates.add('fanout-shared');
  const job = await jobAtGate(gate);
  // Same shape, different resume points, two sockets; the same subscription id on both,
  // so that whole frames can be compared byte for byte.
  const a = await open();
  a.subscribe('e', EVENTS, { jobId: job.id, after: 0 });
  await a.until(hasSequence('e', job.stored));
  const b = await open();
  b.subscribe('e', EVENTS, { jobId: job.id, after: 1 });
  await b.until(hasSequence('e', job.stored));
  // Both caught up: one event-feed subscription serves them.
  await pollUntil(() => metric('aijobs_event_feed_subscriptions'), (n) => n === 1, WAIT);
  const built = await metric('aijobs_subscription_payloads_built_total', { field: 'jobEvents' });
  const sent = await metric('aijobs_subscription_frames_sent_total', { field: 'jobEvents' });

  gates.open(gate);
  await within(Promise.all([a.until(completed('e'), WAIT), b.until(completed('e'), WAIT)]), WAIT, 'both subscriptions completed');
  const total = (await storedEvents(app!.url, app!.key, job.id)).length;
  expect(sequences(a.of('e'))).toEqual(range(1, total));
  expect(sequences(b.of('e'))).toEqual(range(2, total));
  const live = total - job.stored;
  expect(live).toBeGreaterThanOrEqual(3);
  const liveFrames = (s: RawGraphQLWs) => nexts(s.of('e')).slice(-live).map((m) => m.raw);
  expect(liveFrames(b)).toEqual(liveFrames(a));
  const last = nexts(a.of('e')).at(-1)!.payload.data.jobEvents;
  expect(last).toMatchObject({ sequence: total, type: 'SUCCEEDED', job: { id: job.id, status: 'SUCCEEDED' } });
  expect(last).toHaveProperty('traceId');
  expect(await metric('aijobs_subscription_payloads_built_total', { field: 'jobEvents' })).toBe(built + live);
  expect(await metric('aijobs_subscription_frames_sent_total', { field: 'jobEvents' })).toBe(sent + 2 * live);
}, 120_000);

test('the subscription whose stream the others read may leave: they go on to the end', async () => {
  const gate = gates.add('fanout-leader');
  const job = await jobAtGate(gate);
  const first = await open();
  first.subscribe('e', EVENTS, { jobId: job.id, after: 0 });
  await first.until(hasSequence('e', job.stored));
  const other = await open();
  other.subscribe('e', EVENTS, { jobId: job.id, after: 0 });
  await other.until(hasSequence('e', job.stored));
  first.close();
  gates.open(gate);
  await other.until(completed('e'), WAIT);
  expect(sequences(other.of('e'))).toEqual(range(1, (await storedEvents(app!.url, app!.key, job.id)).length));
}, 120_000);

test('subscriptions joining while events flow, each from its own afterSequence, get exactly their events', async () => {
  const steps = Array.from({ length: 8 }, (_, i) => ({ name: `s${i}`, prompt: `step ${i}` }));
  const { submitJob } = await gqlData<{ submitJob: { id: string } }>(app!.url, app!.key, 'mutation($input: SubmitJobInput!) { submitJob(input: $input) { id } }', {
    input: { kind: 'chain', input: { steps } },
  });
  const sockets = await Promise.all([open(), open(), open()]);
  const afters: number[] = [];
  // One subscription every few milliseconds while the job runs, from sequences before,
  // at and after the job's progress; a third of them on each socket.
  for (let i = 0; i < 30; i++) {
    const after = [0, i % 7, 2 * (i % 9), 30][i % 4]!;
    afters.push(after);
    sockets[i % 3]!.subscribe(`s${i}`, EVENTS, { jobId: submitJob.id, after });
    await new Promise((resolve) => setImmediate(resolve));
    if (i % 5 === 4) await storedEvents(app!.url, app!.key, submitJob.id); // a round trip: the job moves on meanwhile
  }
  await within(
    Promise.all(afters.map((_, i) => sockets[i % 3]!.until(completed(`s${i}`), WAIT))),
    WAIT,
    'every subscription completed',
  );
  const total = (await storedEvents(app!.url, app!.key, submitJob.id)).length;
  expect(total).toBeGreaterThan(15);
  afters.forEach((after, i) => expect([`s${i}`, sequences(sockets[i % 3]!.of(`s${i}`))]).toEqual([`s${i}`, range(after + 1, total)]));
}, 120_000);

test('a socket that stops reading is closed at WS_SEND_BUFFER_BYTES, delays no one, holds bounded memory, and resumes exactly', async () => {
  const gate = gates.add('fanout-slow');
  const job = await jobAtGate(gate, { blob: 'x'.repeat(150_000) });
  const fast = await open();
  fast.subscribe('f', BIG_EVENTS, { jobId: job.id, after: 0 });
  await fast.until(hasSequence('f', job.stored));
  // The slow socket asks only for what is still to come and stops reading at once: its
  // kernel buffers stay at their first size, and each later event is 30 frames of ~150 KB.
  const slow = await open();
  const ids = range(0, 29).map((i) => `w${i}`);
  for (const id of ids) slow.subscribe(id, BIG_EVENTS, { jobId: job.id, after: job.stored });
  slow.pause();
  const closedBefore = await metric('aijobs_ws_slow_sockets_closed_total');

  gates.open(gate);
  // The fast socket gets every event to the end while the slow one is still not read.
  await fast.until(completed('f'), WAIT);
  const total = (await storedEvents(app!.url, app!.key, job.id)).length;
  expect(sequences(fast.of('f'))).toEqual(range(1, total));
  expect(await metric('aijobs_ws_slow_sockets_closed_total')).toBe(closedBefore + 1);
  // What the service holds for it: more than the bound (that is why it was closed), but
  // no more than the bound and two frames per subscription on it, far less than the later
  // events would have piled up.
  const frame = Math.max(...nexts(fast.of('f')).map((m) => Buffer.byteLength(m.raw)));
  const held = await metric('aijobs_ws_unsent_bytes');
  expect(held).toBeGreaterThan(LIMIT);
  expect(held).toBeLessThanOrEqual(LIMIT + 2 * ids.length * (frame + 16));
  expect(held).toBeLessThan((total - job.stored) * ids.length * frame);

  // Reading again: the frames written before the close, in order, then 1013.
  slow.resume();
  const closed = await within(slow.closed, WAIT, 'the slow socket closed');
  expect(closed.code).toBe(1013);
  expect(closed.reason).toContain('WS_SEND_BUFFER_BYTES');
  // Resuming each subscription from the last sequence it got misses and repeats nothing.
  const again = await open();
  const got = new Map(ids.map((id) => [id, sequences(slow.of(id))]));
  for (const [id, seqs] of got) {
    expect(seqs).toEqual(range(job.stored + 1, job.stored + seqs.length));
    again.subscribe(id, BIG_EVENTS, { jobId: job.id, after: seqs.at(-1) ?? job.stored });
  }
  await again.until((ms) => ids.every((id) => completed(id)(ms)), WAIT);
  for (const id of ids) expect([...got.get(id)!, ...sequences(again.of(id))]).toEqual(range(job.stored + 1, total));
}, 180_000);

test('a payload over MAX_RESPONSE_BYTES is sent as a PAYLOAD_TOO_LARGE error, built once for its shape', async () => {
  // The input fits in one answer (submitJob's), twice it does not.
  const id = await submitJob('no gate', { blob: 'y'.repeat(MAX_RESPONSE * 0.6) });
  const twice = 'subscription($jobId: ID!, $after: Int) { jobEvents(jobId: $jobId, afterSequence: $after) { sequence one: job { input } two: job { input } } }';
  const socket = await open();
  // A small selection of the same job, to know when it ended and how many events it had.
  socket.subscribe('small', 'subscription($jobId: ID!) { jobEvents(jobId: $jobId) { sequence type } }', { jobId: id });
  await socket.until(completed('small'), WAIT);
  const total = nexts(socket.of('small')).length;
  expect(sequences(socket.of('small'))).toEqual(range(1, total));
  const built = await metric('aijobs_subscription_payloads_built_total', { field: 'jobEvents' });
  socket.subscribe('a', twice, { jobId: id, after: 0 });
  socket.subscribe('b', twice, { jobId: id, after: 0 });
  await socket.until((ms) => completed('a')(ms) && completed('b')(ms), WAIT);
  for (const sub of ['a', 'b']) {
    const payloads = nexts(socket.of(sub)).map((m) => m.payload);
    expect(payloads).toHaveLength(total);
    for (const p of payloads) {
      expect(p.data).toBeNull();
      expect(p.errors).toEqual([expect.objectContaining({ extensions: { code: 'PAYLOAD_TOO_LARGE', limit: { name: 'MAX_RESPONSE_BYTES', value: MAX_RESPONSE } } })]);
    }
  }
  expect(await metric('aijobs_subscription_payloads_built_total', { field: 'jobEvents' })).toBe(built + total);
}, 120_000);
