/**
 * Writes the latest run into bench/README.md, between its "latest figures" markers: the
 * machine and settings, one table row per measurement, and the ratios.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('./README.md', import.meta.url));
const START = '<!-- latest-figures:start -->';
const END = '<!-- latest-figures:end -->';

const fmt = (x, d = 1) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));

export function markdownReport(report) {
  const m = report.machine;
  const s = report.settings;
  const lines = [
    `Run of ${report.date} (${report.seconds} s in all): ${m.cpus} CPUs (${m.cpuModel}), ${m.memGB} GB, Node ${report.node}, ` +
      `1-minute load average ${m.loadAverageBefore} before and ${m.loadAverageAfter} after (other work was sharing the machine when it was above ~1); ` +
      `database ${report.database}, event feed ${s.eventSource}; ${s.processes}; WORKER_CONCURRENCY=${s.workerConcurrency}, ` +
      `JOB_POLL_INTERVAL=${s.jobPoll}, EVENT_POLL_INTERVAL=${s.eventPoll}; AI ${s.aiProvider}; ${s.jobs} jobs, ${s.inFlight} submissions in flight.`,
    '',
    '| measurement | count | seconds | rate | unit | p50 ms | p95 ms | p99 ms |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...report.results.map(
      (r) =>
        `| ${r.name} | ${r.count}${r.complete === false ? '*' : ''} | ${fmt(r.seconds, 2)} | ${fmt(r.rate)} | ${r.unit ?? ''} | ` +
        `${fmt(r.latency?.p50Ms)} | ${fmt(r.latency?.p95Ms)} | ${fmt(r.latency?.p99Ms)} |`,
    ),
    '',
    `Service fresh ÷ bare Agenda: **${fmt(report.ratios.freshVsAgendaPercent)} %**; after history ÷ fresh: **${fmt(report.ratios.afterHistoryVsFreshPercent)} %**.` +
      (report.results.some((r) => r.complete === false) ? ' `*`: not everything finished within its bound (see the notes).' : ''),
    '',
    ...statementLines(report),
    ...targetLines(report),
    'Conditions of each row (from results.json):',
    '',
    ...report.results.map((r) => `- **${r.name}**: ${r.notes}`),
  ];
  return lines.join('\n');
}

const find = (report, name) => report.results.find((r) => r.name === name);
const LIMIT_1 = 'database server limit, one client (statements of ~1 KB documents)';
const LIMIT_16 = 'database server limit, 16 clients (statements of ~1 KB documents)';

/**
 * Statements per job of each row that counted them, the statements per second that drove,
 * and how close that is to the server's limit (the mix, one client and sixteen).
 */
export function statementLines(report) {
  const l1 = find(report, LIMIT_1)?.rate;
  const l16 = find(report, LIMIT_16)?.rate;
  const rows = report.results.filter((r) => r.statements && r.rate);
  if (rows.length === 0) return [];
  const pct = (x, l) => (l ? `${Math.round((x / l) * 100)} %` : '–');
  return [
    `Statements per job (each process's \`aijobs_db_commands_total\` before and after; net = less what the processes send while idle) and how close each row runs to the server's limit (${fmt(l1, 0)} statements/s with one client, ${fmt(l16, 0)} with sixteen):`,
    '',
    '| row | jobs/s | statements per job | net of idle polls | statements/s | of the one-client limit | of the 16-client limit | jobs/s the limit allows (1 / 16 clients) |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const st = r.statements;
      const per = Object.entries(st.perJob).map(([n, v]) => `${n} ${fmt(v.gross)}`).join(' + ');
      const perSecond = st.gross * r.rate;
      const allows = (l) => (l && st.net > 0 ? fmt(l / st.net) : '–');
      return `| ${r.name} | ${fmt(r.rate)} | ${per}${Object.keys(st.perJob).length > 1 ? ` = ${fmt(st.gross)}` : ''} | ${fmt(st.net)} | ${fmt(perSecond, 0)} | ${pct(perSecond, l1)} | ${pct(perSecond, l16)} | ${allows(l1)} / ${allows(l16)} |`;
    }),
    '',
    'The last column is the limit divided by the net statements per job: the most jobs per second that count of statements lets through this server, whatever else the code does. ' +
      'The service\'s ceiling against bare Agenda\'s is about the inverse ratio of their statements per job.',
    '',
  ];
}

/** Issue 22's targets that this run measures, each with its figure and whether it is met. */
export function targetLines(report) {
  const out = [];
  const add = (target, row, figure, met) => row && out.push(`| ${target} | ${figure} | ${met === null ? '–' : met ? 'met' : '**not met**'} |`);
  const agenda = find(report, 'bare Agenda 6, submit → done (no-op jobs)');
  const fresh = find(report, 'fresh: chain job, submit → SUCCEEDED');
  const pctAgenda = report.ratios.freshVsAgendaPercent;
  add('submit → SUCCEEDED ≥ 50 % of bare Agenda', agenda && fresh, `${fmt(fresh?.rate)} vs ${fmt(agenda?.rate)} jobs/s: ${fmt(pctAgenda)} %`, pctAgenda === null ? null : pctAgenda >= 50);
  const list = find(report, 'jobs(first: 20) with totalCount, history stored');
  add('`jobs(first: 20)` with `totalCount`, history stored: p95 ≤ 300 ms', list, `p95 ${fmt(list?.latency?.p95Ms)} ms`, list?.latency?.p95Ms == null ? false : list.latency.p95Ms <= 300);
  const fan = report.results.find((r) => r.name.includes('jobEvents subscriptions'));
  add('5,000 subscriptions: fan-out p95 ≤ 500 ms', fan, `p95 ${fmt(fan?.latency?.p95Ms)} ms`, fan?.latency?.p95Ms == null ? false : fan.latency.p95Ms <= 500);
  const ai = report.results.find((r) => r.name.startsWith('one worker,'));
  if (ai) {
    const met = ai.complete && ai.allOutSeconds !== null && ai.allOutSeconds <= 60 && ai.peakMB !== null && ai.peakMB <= 350;
    add('500 AI calls in flight in one worker within 60 s of submission, ≤ 350 MB', ai, `${ai.count} at once, all out ${ai.allOutSeconds === null ? '–' : `${fmt(ai.allOutSeconds)} s`} after the first submission, peak ${fmt(ai.peakMB)} MB`, met);
  }
  const hook = find(report, 'webhook deliveries/s, one receiver');
  const dead = find(report, 'webhook deliveries/s, beside a dead endpoint');
  add('webhooks ≥ 200 deliveries/s', hook, `${fmt(hook?.rate)}/s`, hook?.rate == null ? false : hook.rate >= 200);
  if (hook && dead) {
    const off = Math.round((1 - dead.rate / hook.rate) * 1000) / 10;
    add('a dead endpoint beside it costs ≤ 10 %', dead, `${fmt(dead.rate)}/s beside it: ${fmt(off)} % off`, off <= 10);
  }
  if (out.length === 0) return [];
  return [
    'Targets of issue 22 measured by this run (1,000 queued jobs against 20: `node bench/backlog.mjs`; each console filter: `node bench/lists.mjs`):',
    '',
    '| target | this run | |',
    '| --- | --- | --- |',
    ...out,
    '',
  ];
}

export async function writeReadmeTable(report) {
  const text = await readFile(README, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return;
  await writeFile(README, `${text.slice(0, a + START.length)}\n${markdownReport(report)}\n${text.slice(b)}`);
}
