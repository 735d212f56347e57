/**
 * The service as separate OS processes for the benchmark (`node dist/main.js` with ROLE=api
 * or ROLE=worker, as an operator runs it), and their memory: current and peak RSS, read
 * from /proc (Linux), sampled while a measurement runs.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../dist/db/local-server.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Poll and concurrency as in issue 8's runs; production defaults otherwise. */
export const SERVICE_ENV = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  AI_PROVIDER: 'offline',
  JOB_POLL_INTERVAL: process.env.JOB_POLL_INTERVAL ?? '100ms',
  EVENT_POLL_INTERVAL: process.env.EVENT_POLL_INTERVAL ?? '100ms',
  WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '8',
  SHUTDOWN_TIMEOUT: '10s',
  // One tenant drives the whole bench: its per-tenant API limits and the fairness cap
  // (TENANT_MAX_RUNNING) are lifted so that they measure the engine, not the limits.
  API_RATE_LIMIT: '100000000',
  SUBMIT_RATE_LIMIT: '100000000',
  WEBHOOK_SEND_RATE_LIMIT: '100000000',
  MAX_CONNECTIONS_PER_TENANT: '100000',
  TENANT_MAX_RUNNING: '100000',
  // Required with MONGODB_URI (endpoint secrets are sealed): one key per bench run, shared by its processes.
  WEBHOOK_SECRET_KEY: process.env.WEBHOOK_SECRET_KEY ?? randomBytes(32).toString('base64'),
};

/**
 * Starts one service process (`main`: another build's dist/main.js, for a comparison);
 * resolves when it printed its banner ({ url, metricsUrl, pid, stop }); a worker gets a
 * METRICS_PORT of its own, so both roles' /metrics can be read.
 * `stop()` sends SIGTERM, then SIGKILL after 20 s; registered on `cleanup` too.
 */
export async function startService(name, env, cleanup, { readyTimeoutMs = 60_000, main = MAIN } = {}) {
  // A worker serves /metrics (its database commands among them) on a port of its own.
  const metricsPort = env.ROLE === 'worker' ? (env.METRICS_PORT ?? String(await freePort())) : undefined;
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      ...SERVICE_ENV,
      // e.g. BENCH_WORKER_NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 to see what a worker holds.
      ...(env.ROLE === 'worker' && process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      ...env,
      ...(metricsPort ? { METRICS_PORT: metricsPort } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err = (err + c).slice(-8000)));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(force);
    })();
    return stopped;
  };
  cleanup.add(`service process ${name}`, stop);
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${readyTimeoutMs} ms\n${err}`)), readyTimeoutMs);
    const onData = () => {
      if (/^Role: /m.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        ok();
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (code ${code}) before it was ready\n${err}`));
    });
  });
  const url = /GraphQL API: (\S+)/.exec(out)?.[1] ?? '';
  const metricsUrl = metricsPort ? `http://127.0.0.1:${metricsPort}/metrics` : url ? new URL('/metrics', url).toString() : null;
  return { name, url, metricsUrl, pid: child.pid, stop, stderr: () => err };
}

/** { rssMB, peakMB } of a live process from /proc/<pid>/status; nulls elsewhere. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const mb = (x) => (Number.isFinite(x) ? Math.round(x / 102.4) / 10 : null);
    return { rssMB: mb(kb('VmRSS')), peakMB: mb(kb('VmHWM')) };
  } catch {
    return { rssMB: null, peakMB: null };
  }
}

/** Samples RSS every `everyMs` until `stop()`, which returns { maxRssMB, peakMB (kernel's high-water mark) }. */
export function sampleMemory(pid, everyMs = 250) {
  let maxRssMB = null;
  let peakMB = null;
  const take = () => {
    const m = memoryOf(pid);
    if (m.rssMB !== null) maxRssMB = Math.max(maxRssMB ?? 0, m.rssMB);
    if (m.peakMB !== null) peakMB = m.peakMB;
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { maxRssMB, peakMB };
    },
  };
}
