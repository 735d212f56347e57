/**
 * The measurements, against a running service ({ url, key }). Each returns result rows
 * { name, count, seconds, rate, unit, latency, complete, notes }. Nothing here asserts a
 * time: a slow run is a result. Every wait is bounded; what did not finish within its
 * bound is reported as unfinished (complete: false), and only a broken run throws.
 */
import { performance } from 'node:perf_hooks';
import { chainInput, SUBMIT } from './events.mjs';
import { gql, latencyStats, pool, until } from './lib.mjs';

const JOB = `query($id: ID!) { job(id: $id) { id status createdAt finishedAt } }`;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Measurements 1–3: submissions over HTTP, submit → SUCCEEDED, and event latency. */
/**
 * `onFinished` is awaited once every job was seen finished (or the wait ended), before the
 * bench reads the jobs back: what is counted up to there is what the jobs cost.
 */
export async function measureJobs(url, key, watch, { jobs = 300, inFlight = 16, waitMs = 120_000, log = () => {}, onFinished = async () => {} } = {}) {
  const firstEvent = watch.events.length;
  const startWall = Date.now();
  const t0 = performance.now();
  const submitted = await pool(jobs, inFlight, async (i) => {
    const s = performance.now();
    const { submitJob } = await gql(url, key, SUBMIT, { input: chainInput(i) });
    return { id: submitJob.id, ms: performance.now() - s };
  });
  const submitSeconds = (performance.now() - t0) / 1000;
  const ids = submitted.map((s) => s.id);
  log(`${jobs} submitted in ${submitSeconds.toFixed(1)} s; waiting up to ${waitMs / 1000} s for them to finish`);

  // Completion is seen over the WebSocket, which adds no load; only if the subscription
  // ends are the jobs read while waiting. At the end the stored state of every job is read
  // by id (the one lookup every server answers from its primary key), and is what counts.
  const stored = new Map();
  const readJobs = async (wantedIds) => {
    await pool(wantedIds.length, 8, async (i) => {
      const { job } = await gql(url, key, JOB, { id: wantedIds[i] });
      if (job) stored.set(job.id, job);
    });
  };
  const isDone = (id) => watch.finished.has(id) || TERMINAL.has(stored.get(id)?.status);
  let lastCheck = Date.now();
  await until(
    async () => {
      if (ids.every(isDone)) return true;
      if (Date.now() - lastCheck < 5_000) return false;
      lastCheck = Date.now();
      if (watch.ended) await readJobs(ids.filter((id) => !isDone(id)));
      log(`… ${ids.filter(isDone).length} of ${jobs} seen finished`);
      return ids.every(isDone);
    },
    { everyMs: 100, timeoutMs: waitMs },
  );
  const stopWall = Date.now();
  await onFinished();

  await readJobs(ids);
  const nodes = ids.map((id) => stored.get(id)).filter(Boolean);
  const complete = nodes.length === jobs && nodes.every((n) => TERMINAL.has(n.status));
  const succeeded = nodes.filter((n) => n.status === 'SUCCEEDED');
  const failed = nodes.filter((n) => n.status === 'FAILED' || n.status === 'CANCELLED').length;
  const unfinished = jobs - succeeded.length;
  const e2e = succeeded.map((n) => Date.parse(n.finishedAt) - Date.parse(n.createdAt));
  const lastFinish = succeeded.length ? Math.max(...succeeded.map((n) => Date.parse(n.finishedAt))) : stopWall;
  const e2eSeconds = ((complete ? lastFinish : stopWall) - startWall) / 1000;

  // Events are fanned out after they are stored: give the last ones a moment to arrive.
  await until(() => watch.ended || succeeded.every((n) => watch.finished.has(n.id)), { everyMs: 50, timeoutMs: 10_000 });
  const wanted = new Set(ids);
  const events = watch.events.slice(firstEvent).filter((e) => wanted.has(e.jobId));
  const lag = events.map((e) => e.receivedMs - e.atMs);
  const received = events.map((e) => e.receivedMs);
  const span = events.length > 1 ? (Math.max(...received) - Math.min(...received)) / 1000 : 0;
  const seenDone = succeeded.filter((n) => watch.finished.get(n.id) === 'SUCCEEDED').length;
  const status = `${succeeded.length} of ${jobs} SUCCEEDED` + (failed ? `, ${failed} FAILED/CANCELLED` : '') +
    (complete ? '' : `, ${jobs - succeeded.length - failed} unfinished after waiting ${waitMs / 1000} s`);

  return [
    {
      name: `submitJob over HTTP (${inFlight} in flight)`,
      count: jobs,
      seconds: submitSeconds,
      rate: jobs / submitSeconds,
      unit: 'submissions/s',
      latency: latencyStats(submitted.map((s) => s.ms)),
      complete: true,
      notes: 'seconds = first request sent → last response; latency = one HTTP request, measured by the client',
    },
    {
      name: 'chain job, submit → SUCCEEDED',
      count: succeeded.length,
      seconds: e2eSeconds,
      rate: succeeded.length / e2eSeconds,
      unit: 'jobs/s',
      latency: latencyStats(e2e, unfinished),
      complete: unfinished === 0,
      notes: `${status}; seconds = first submission sent → last finishedAt (or end of waiting); latency = finishedAt − createdAt, unfinished jobs ranked last`,
    },
    {
      name: 'event latency, tenantJobEvents (WS)',
      count: events.length,
      seconds: span,
      rate: span > 0 ? events.length / span : null,
      unit: 'events/s',
      latency: latencyStats(lag),
      complete: seenDone === succeeded.length && !watch.ended,
      notes:
        `latency = received by the client − event.at; SUCCEEDED event seen for ${seenDone} of ${succeeded.length} succeeded jobs` +
        (watch.errors.length ? `; subscription errors: ${watch.errors.join('; ')}` : ''),
    },
  ];
}

/** Measurement 4: an analyzeDocuments batch of `count` documents, until COMPLETED. */
export async function measureBatch(url, key, { count = 20, waitMs = 75_000 } = {}) {
  const paragraph =
    'Quarterly revenue grew 12% while operating costs fell 3%. The board approved a new plant in Lyon; ' +
    'analysts flagged currency risk and a pending supplier dispute. Customer churn stayed flat at 4%. ';
  const documents = Array.from({ length: count }, (_, i) => ({ name: `report-${i + 1}`, text: `Report ${i + 1}. ${paragraph.repeat(8 + (i % 5))}` }));
  const t0 = performance.now();
  const { analyzeDocuments } = await gql(url, key, `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }`, {
    input: { documents },
  });
  const acceptedSeconds = (performance.now() - t0) / 1000;
  const BATCH = `query($id: ID!) { batch(id: $id) { status succeeded failed cancelled jobs(first: 100) { edges { node { status createdAt finishedAt } } } } }`;
  let batch;
  const complete = await until(
    async () => {
      batch = (await gql(url, key, `query($id: ID!) { batch(id: $id) { status } }`, { id: analyzeDocuments.id })).batch;
      return batch.status !== 'RUNNING';
    },
    { everyMs: 100, timeoutMs: waitMs },
  );
  const seconds = (performance.now() - t0) / 1000;
  batch = (await gql(url, key, BATCH, { id: analyzeDocuments.id })).batch;
  const done = batch.jobs.edges.map((e) => e.node).filter((n) => n.status === 'SUCCEEDED');
  const perDoc = done.map((n) => Date.parse(n.finishedAt) - Date.parse(n.createdAt));
  return {
    name: `analyzeDocuments batch of ${count}`,
    count: done.length,
    seconds,
    rate: done.length / seconds,
    unit: 'documents/s',
    latency: latencyStats(perDoc, count - done.length),
    complete: complete && batch.status === 'COMPLETED' && done.length === count,
    notes:
      `batch ${batch.status}: ${batch.succeeded} succeeded, ${batch.failed} failed, ${batch.cancelled} cancelled` +
      (complete ? '' : ` (stopped waiting after ${waitMs / 1000} s)`) +
      `; the mutation took ${acceptedSeconds.toFixed(2)} s; seconds = mutation sent → batch COMPLETED (polled every 100 ms);` +
      ` latency = each document job's finishedAt − createdAt`,
  };
}
