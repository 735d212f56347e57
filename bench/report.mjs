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
    'Conditions of each row (from results.json):',
    '',
    ...report.results.map((r) => `- **${r.name}**: ${r.notes}`),
  ];
  return lines.join('\n');
}

export async function writeReadmeTable(report) {
  const text = await readFile(README, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return;
  await writeFile(README, `${text.slice(0, a + START.length)}\n${markdownReport(report)}\n${text.slice(b)}`);
}
