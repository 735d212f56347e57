/**
 * Database statements as the service counts them: every process keeps
 * `aijobs_db_commands_total{command, collection}` (one per command its MongoClient sends,
 * src/metrics/db-commands.ts), and the bench reads each process's /metrics before and after
 * a measurement. The difference, divided by the jobs, is what a job costs the database; the
 * same count taken over a quiet moment first gives the background (pollers and sweeps that
 * run whether or not there is work), which is reported beside it.
 */
import { sleep } from './lib.mjs';

const LINE = /^aijobs_db_commands_total\{([^}]*)\}\s+(\S+)$/gm;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Map "command collection" → count, from one process's /metrics (empty when it cannot be read). */
export async function readDbCommands(metricsUrl) {
  const counts = new Map();
  if (!metricsUrl) return counts;
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  if (!res?.ok) return counts;
  const text = await res.text();
  for (const [, labels, value] of text.matchAll(LINE)) {
    const l = Object.fromEntries([...labels.matchAll(LABEL)].map((m) => [m[1], m[2]]));
    counts.set(`${l.command} ${l.collection || '-'}`.trim(), Number(value));
  }
  return counts;
}

/** after − before, per key, zeros left out. */
export function commandDelta(before, after) {
  const out = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Counts what each process ({ name, metricsUrl }) sends from `start()` to `stop()`.
 * `stop()` returns { seconds, byProcess: { name: { total, byCommand: Map } } }.
 */
export function countCommands(processes) {
  let before;
  let t0;
  return {
    async start() {
      before = await Promise.all(processes.map((p) => readDbCommands(p.metricsUrl)));
      t0 = performance.now();
    },
    async stop() {
      const after = await Promise.all(processes.map((p) => readDbCommands(p.metricsUrl)));
      const seconds = (performance.now() - t0) / 1000;
      const byProcess = {};
      processes.forEach((p, i) => {
        const byCommand = commandDelta(before[i], after[i]);
        byProcess[p.name] = { total: total(byCommand), byCommand };
      });
      return { seconds, byProcess };
    },
  };
}

/** Commands per second each process sends while nothing is submitted (its pollers and sweeps), over `ms`. */
export async function backgroundRate(processes, ms = 5_000) {
  const c = countCommands(processes);
  await c.start();
  await sleep(ms);
  const { seconds, byProcess } = await c.stop();
  return Object.fromEntries(Object.entries(byProcess).map(([name, v]) => [name, { perSecond: v.total / seconds, byCommand: v.byCommand, seconds }]));
}

/**
 * Per job: each process's commands in the window, and the same less its background rate
 * times the window's length. Returns { perJob: { name: { gross, net } }, gross, net, top }
 * where `top` lists the commands that cost the most per job ("command collection" → per job).
 */
export function statementsPerJob(window, background, jobs) {
  const perJob = {};
  let gross = 0;
  let net = 0;
  const merged = new Map();
  for (const [name, v] of Object.entries(window.byProcess)) {
    const bg = (background?.[name]?.perSecond ?? 0) * window.seconds;
    perJob[name] = { gross: v.total / jobs, net: Math.max(0, v.total - bg) / jobs };
    gross += perJob[name].gross;
    net += perJob[name].net;
    for (const [k, n] of v.byCommand) merged.set(`${name}: ${k}`, (merged.get(`${name}: ${k}`) ?? 0) + n);
  }
  const top = [...merged.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => [k, Math.round((n / jobs) * 100) / 100]);
  return { perJob, gross, net, top };
}

/** One line: "API 5.1 (net 4.9) + worker 20.3 (net 18.0) = 25.4 (net 22.9) statements per job". */
export function describeStatements(s) {
  const f = (x) => x.toFixed(1);
  const parts = Object.entries(s.perJob).map(([name, v]) => `${name} ${f(v.gross)} (net ${f(v.net)})`);
  return `${parts.join(' + ')} = ${f(s.gross)} (net ${f(s.net)}) statements per job`;
}
