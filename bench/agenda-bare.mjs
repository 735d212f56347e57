/**
 * The yardstick: bare Agenda 6 (agenda + @agendajs/mongo-backend) on the same server, with
 * the service's poll interval and concurrency, running no-op jobs. In this process, on a
 * database of its own; `removeOnComplete` as the service's queue uses it.
 */
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { MongoClient } from 'mongodb';
import { performance } from 'node:perf_hooks';
import { latencyStats, pool, until } from './lib.mjs';

const parseMs = (s) => {
  const m = /^(\d+)(ms|s)$/.exec(s);
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : Number(s);
};

/** Returns a result row: `jobs` no-op jobs, `inFlight` saves at once, until every one succeeded. */
export async function measureBareAgenda(serverUri, cleanup, { jobs = 150, inFlight = 16, pollInterval = '100ms', concurrency = 8, waitMs = 90_000 } = {}) {
  // Every command Agenda sends is counted, as the service's processes count theirs.
  const client = await MongoClient.connect(serverUri, { monitorCommands: true });
  let commands = 0;
  client.on('commandStarted', () => void commands++);
  const db = client.db(`bench_agenda_${Date.now().toString(36)}`);
  // Closed at the very end: Agenda's loop may still have a query in flight after stop().
  cleanup.add('bare Agenda database', async () => {
    await db.dropDatabase().catch(() => {});
    await client.close();
  });
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: db, collection: 'agendaJobs' }),
    processEvery: parseMs(pollInterval),
    maxConcurrency: concurrency,
    defaultConcurrency: concurrency,
    lockLimit: concurrency,
    defaultLockLimit: concurrency,
    removeOnComplete: true,
  });
  const created = new Map();
  /** i → ms from save to its first success event (Agenda may report a job more than once). */
  const done = new Map();
  let lastDone = 0;
  agenda.define('noop', async () => {}, { concurrency, lockLimit: concurrency });
  agenda.on('success', (job) => {
    const i = job.attrs?.data?.i;
    const t = created.get(i);
    if (t === undefined || done.has(i)) return;
    lastDone = performance.now();
    done.set(i, lastDone - t);
  });
  try {
    await agenda.start();
    // Its background first: what Agenda's poll sends while nothing is queued.
    const idleFrom = { commands, at: performance.now() };
    await new Promise((r) => setTimeout(r, 3_000));
    const idlePerSecond = (commands - idleFrom.commands) / ((performance.now() - idleFrom.at) / 1000);
    const commandsBefore = commands;
    const t0 = performance.now();
    await pool(jobs, inFlight, async (i) => {
      created.set(i, performance.now());
      await agenda.now('noop', { i });
    });
    const complete = await until(() => done.size >= jobs, { everyMs: 20, timeoutMs: waitMs });
    const seconds = ((complete ? lastDone : performance.now()) - t0) / 1000;
    const windowSeconds = (performance.now() - t0) / 1000;
    const sent = commands - commandsBefore;
    const statements = {
      perJob: { agenda: { gross: sent / jobs, net: Math.max(0, sent - idlePerSecond * windowSeconds) / jobs } },
      gross: sent / jobs,
      net: Math.max(0, sent - idlePerSecond * windowSeconds) / jobs,
      backgroundPerSecond: idlePerSecond,
    };
    const latencies = [...done.values()];
    return {
      name: 'bare Agenda 6, submit → done (no-op jobs)',
      count: latencies.length,
      seconds,
      rate: latencies.length / seconds,
      unit: 'jobs/s',
      latency: latencyStats(latencies, jobs - latencies.length),
      complete: Boolean(complete),
      statements,
      notes:
        `${jobs} no-op jobs saved ${inFlight} at a time with agenda.now(); processEvery ${pollInterval}, concurrency ${concurrency}, removeOnComplete; seconds = first save → last success; latency = save started → success event (same process); ` +
        `${statements.gross.toFixed(1)} statements per job (net of its idle poll, ${idlePerSecond.toFixed(1)}/s: ${statements.net.toFixed(1)})`,
    };
  } finally {
    await agenda.stop().catch(() => {});
  }
}
