/**
 * Scale probes: (1) one API process holding many `jobEvents` subscriptions on a few jobs
 * while a worker runs them (RSS, fan-out latency); (2) one worker holding many slow AI calls
 * in flight against a local OpenAI-compatible stand-in that answers after a delay (how many
 * at once, how fast jobs start, peak RSS). Every wait is bounded; a shortfall is reported.
 */
import http from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { chainInput, SUBMIT } from './events.mjs';
import { gql, latencyStats, pool, until } from './lib.mjs';
import { memoryOf, sampleMemory, startService } from './processes.mjs';

/** A chain of `n` steps (more events per job for the fan-out probe). */
const chainOf = (n, label) => ({
  kind: 'chain',
  input: { steps: Array.from({ length: n }, (_, i) => ({ name: `s${i}`, prompt: `Step ${i} for ${label}, one sentence.` })), variables: {} },
});

/**
 * `connections` WebSockets × `perConnection` subscriptions spread over `jobs` QUEUED jobs
 * (no worker yet); each subscription counts as live once its replayed QUEUED event arrives.
 * Then a worker runs the jobs and every later event's receive − at is a fan-out sample.
 * `ctx.main`: another build's dist/main.js for the worker (the API is `ctx.api`).
 */
export async function measureSubscriptions(ctx, { connections = 50, perConnection = 100, jobs = 5, steps = 3, waitMs = 120_000 } = {}) {
  const { api, key, dbEnv, cleanup, log, main } = ctx;
  const ids = [];
  for (let i = 0; i < jobs; i++) ids.push((await gql(api.url, key, SUBMIT, { input: chainOf(steps, `fan-out ${i}`) })).submitJob.id);
  const total = connections * perConnection;
  const mem = sampleMemory(api.pid);
  const baseline = memoryOf(api.pid).rssMB;
  let live = 0;
  const samples = [];
  const errors = [];
  const clients = [];
  const t0 = Date.now();
  for (let c = 0; c < connections; c++) {
    const client = createClient({ url: api.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0, lazy: false });
    clients.push(client);
    cleanup.add(`subscription connection ${c}`, () => client.dispose());
    for (let s = 0; s < perConnection; s++) {
      let seenQueued = false;
      client.subscribe(
        { query: 'subscription($id: ID!) { jobEvents(jobId: $id, afterSequence: 0) { type at } }', variables: { id: ids[(c * perConnection + s) % jobs] } },
        {
          next: (msg) => {
            const now = Date.now();
            const e = msg.data?.jobEvents;
            if (msg.errors?.length) errors.push(msg.errors[0].message);
            if (!e) return;
            if (!seenQueued && e.type === 'QUEUED') {
              seenQueued = true;
              live++;
            } else if (seenQueued) samples.push(now - Date.parse(e.at));
          },
          error: (err) => errors.push(err?.message ?? `closed ${err?.code ?? ''}`),
          complete: () => {},
        },
      );
    }
  }
  const allLive = await until(() => live >= total || errors.length > 0, { everyMs: 100, timeoutMs: waitMs });
  const openSeconds = (Date.now() - t0) / 1000;
  const liveRssMB = memoryOf(api.pid).rssMB;
  log(`${live} of ${total} subscriptions live after ${openSeconds.toFixed(1)} s (API RSS ${liveRssMB} MB); starting a worker`);
  const worker = await startService('fan-out worker', { ...dbEnv, ROLE: 'worker' }, cleanup, main ? { main } : {});
  const expected = live * (2 + 2 * steps); // STARTED, per step STARTED+SUCCEEDED, SUCCEEDED
  // This process receives and parses every message: its CPU time is part of each sample.
  const clientCpu = process.cpuUsage();
  const done = await until(() => samples.length >= expected, { everyMs: 100, timeoutMs: waitMs });
  const { user, system } = process.cpuUsage(clientCpu);
  await worker.stop();
  const m = mem.stop();
  await Promise.all(clients.map((c) => c.dispose()));
  return {
    name: `${total} jobEvents subscriptions on one API process, fan-out`,
    count: samples.length,
    seconds: openSeconds,
    rate: null,
    unit: `RSS ${baseline}→${liveRssMB} MB, peak ${m.peakMB} MB`,
    latency: latencyStats(samples),
    complete: Boolean(allLive && done) && errors.length === 0,
    notes:
      `${connections} WebSocket connections × ${perConnection} subscriptions (afterSequence 0) on ${jobs} ${steps}-step chain jobs; ` +
      `${live} of ${total} live (replayed QUEUED event received) ${openSeconds.toFixed(1)} s after the first opened; then one worker (offline AI) ran the jobs; ` +
      `latency = each later event's receive − at over every subscription (${samples.length} of ${expected} expected samples); ` +
      `API RSS: ${baseline} MB before, ${liveRssMB} MB with all open, kernel peak ${m.peakMB} MB, sampled max ${m.maxRssMB} MB; ` +
      `the clients (this process) used ${Math.round((user + system) / 1000)} ms of CPU receiving them` +
      (errors.length ? `; errors: ${[...new Set(errors)].slice(0, 3).join('; ')}` : ''),
  };
}

/** A local OpenAI-compatible stand-in answering every chat completion after `delayMs`. */
export async function startSlowProvider(delayMs, cleanup) {
  const state = { inFlight: 0, maxInFlight: 0, arrivals: [] };
  const timers = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      state.arrivals.push(Date.now());
      let ended = false;
      const finish = () => {
        if (ended) return;
        ended = true;
        state.inFlight--;
      };
      res.on('close', finish);
      const t = setTimeout(() => {
        timers.delete(t);
        const model = (() => { try { return JSON.parse(body).model; } catch { return 'fake'; } })();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `chatcmpl-${state.arrivals.length}`, object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: 'A slow answer.', refusal: null }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } }));
      }, delayMs);
      timers.add(t);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const close = () => new Promise((done) => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    server.close(() => done());
  });
  cleanup.add('slow AI provider', close);
  return { baseUrl: `http://127.0.0.1:${server.address().port}/v1`, state, close };
}

/** `calls` one-step chain jobs on one worker with WORKER_CONCURRENCY=calls and an AI that answers after `delayMs`. */
export async function measureAiInFlight(ctx, { calls = 500, delayMs = 20_000, inFlight = 32, waitMs = 90_000, submitMs = 120_000 } = {}) {
  const { api, key, dbEnv, cleanup, log } = ctx;
  const provider = await startSlowProvider(delayMs, cleanup);
  const worker = await startService('AI worker', {
    ...dbEnv,
    ROLE: 'worker',
    WORKER_CONCURRENCY: String(calls),
    AI_PROVIDER: 'openai',
    OPENAI_API_KEY: 'bench-not-a-secret',
    OPENAI_BASE_URL: provider.baseUrl,
  }, cleanup);
  const idleRssMB = memoryOf(worker.pid).rssMB;
  const mem = sampleMemory(worker.pid);
  const t0 = Date.now();
  let submitted = 0;
  await pool(calls, inFlight, async (i) => {
    if (Date.now() - t0 > submitMs) return; // bounded: what was submitted by then is what runs
    await gql(api.url, key, SUBMIT, { input: chainInput(`slow ${i}`) });
    submitted++;
  });
  const submitSeconds = (Date.now() - t0) / 1000;
  log(`${submitted} slow jobs submitted in ${submitSeconds.toFixed(1)} s; waiting for their AI calls`);
  await until(() => provider.state.arrivals.length >= submitted, { everyMs: 100, timeoutMs: waitMs });
  const arrivals = provider.state.arrivals;
  const firstAt = arrivals[0] ?? t0;
  const lastAt = arrivals[arrivals.length - 1] ?? t0;
  const beforeFirstAnswer = arrivals.filter((a) => a < firstAt + delayMs).length;
  const m = mem.stop();
  await worker.stop();
  await provider.close();
  const startSeconds = (lastAt - firstAt) / 1000;
  // The target: every call out within 60 s of the first submission.
  const allOutSeconds = arrivals.length >= calls ? (arrivals[calls - 1] - t0) / 1000 : null;
  return {
    name: `one worker, ${calls} AI calls answering after ${delayMs / 1000} s`,
    count: provider.state.maxInFlight,
    seconds: startSeconds,
    rate: startSeconds > 0 ? arrivals.length / startSeconds : null,
    unit: `jobs started/s; peak RSS ${m.peakMB} MB`,
    latency: null,
    complete: arrivals.length >= calls && provider.state.maxInFlight >= calls,
    peakMB: m.peakMB,
    allOutSeconds,
    notes:
      `count = most AI calls in flight at once (${calls} wanted); ${arrivals.length} calls arrived, ${beforeFirstAnswer} before the first answer was due` +
      (allOutSeconds !== null ? `, the ${calls}th ${allOutSeconds.toFixed(1)} s after the first submission; ` : '; ') +
      `seconds = first → last call arrival, rate = calls arrived / those seconds (start rate); ${submitted} of ${calls} jobs submitted ${inFlight} at a time in ${submitSeconds.toFixed(1)} s (bound ${submitMs / 1000} s); ` +
      `worker RSS ${idleRssMB} MB idle, kernel peak ${m.peakMB} MB (sampled max ${m.maxRssMB} MB); WORKER_CONCURRENCY=${calls}, AI_PROVIDER=openai at a local stand-in`,
  };
}
