/**
 * What the seed's worked example — `analyzeDocuments` with 50 documents — costs in each
 * execution mode: REALTIME, FLEX, BATCH, and REALTIME with `cache: true` submitted a second
 * time. `node bench/cost-modes.mjs` after `npm run build` (or `npm run bench:cost`).
 *
 * The service runs as two processes (ROLE=api, ROLE=worker) on the offline provider, which
 * counts tokens with the same tokenizer for every mode and goes through the Batch API path
 * like a real provider (its stand-in batches answer within two polls). The offline provider's
 * answers cost nothing, so each mode's cost is its token counts (the batch's usage sums)
 * priced here by the price table at the tier the mode pays: the built-in table for
 * gpt-4o-mini (no flex tier: FLEX pays the standard rate), and gpt-5-mini, which has flex and
 * batch rates (OpenAI's pricing page as of 2025-08-07, given to the service as AI_PRICES).
 * Prints a table, writes bench/cost-results.json (git-ignored) and replaces the "Cost by
 * execution mode" section of bench/README.md. No timed assertions; every wait is bounded.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createApiKey } from '../dist/auth/api-keys.js';
import { costUsd } from '../dist/ai/prices.js';
import { DEFAULT_PRICES } from '../dist/config/price-table.js';
import { TenantsRepository } from '../dist/db/tenants/tenants.repository.js';
import { gql, until } from './lib.mjs';
import { startService } from './processes.mjs';
import { createCleanup, startBenchDatabase } from './service.mjs';

/** gpt-5-mini at https://platform.openai.com/docs/pricing, 2025-08-07: Standard, Flex and Batch, USD per million tokens. */
const GPT_5_MINI = { input: 0.25, cachedInput: 0.025, output: 2, flex: { input: 0.125, cachedInput: 0.0125, output: 1 }, batch: { input: 0.125, output: 1 } };
const PRICES = { ...DEFAULT_PRICES, 'gpt-5-mini': GPT_5_MINI };
const MODEL = 'gpt-5-mini';
const DOCUMENTS = 50;
const BATCH_WAIT_MS = 180_000;

const log = (line) => process.stderr.write(`[bench:cost] ${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** The seed's example, with documents of a realistic length (a page each: one chunk, so two AI calls per document). */
function documents() {
  const themes = ['revenue', 'hiring', 'logistics', 'security', 'customer churn'];
  return Array.from({ length: DOCUMENTS }, (_, i) => {
    const theme = themes[i % themes.length];
    const paragraphs = Array.from({ length: 6 }, (_, p) =>
      `Section ${p + 1} of report ${i}. In quarter ${(i % 4) + 1} the ${theme} figures moved by ${(i * 7 + p * 3) % 23}% against plan. ` +
      `The team responsible reviewed ${12 + p} open items, closed ${8 + ((i + p) % 5)} of them and escalated two to the board. ` +
      `Costs stayed within ${90 + (p % 10)}% of budget while the forecast for the next quarter was revised ${p % 2 ? 'up' : 'down'}. ` +
      `Risks noted: supplier delays, a pending audit, and ${theme} targets that depend on one large customer.`,
    );
    return { name: `report-${i}.txt`, text: paragraphs.join('\n\n') };
  });
}

const USAGE = 'calls cachedCalls promptTokens completionTokens totalTokens cachedPromptTokens';

async function runMode(api, key, mode, extra = {}) {
  const t0 = Date.now();
  const { analyzeDocuments } = await gql(api.url, key, `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { id } }`, {
    input: { documents: documents(), model: MODEL, ...(mode === 'REALTIME' ? {} : { executionMode: mode }), ...extra },
  });
  const batch = await until(
    async () => {
      const { batch: b } = await gql(api.url, key, `query($id: ID!) { batch(id: $id) { status succeeded failed finishedAt usage { ${USAGE} } } }`, { id: analyzeDocuments.id });
      return b.status !== 'RUNNING' && b.finishedAt !== null ? b : false;
    },
    { everyMs: 250, timeoutMs: BATCH_WAIT_MS },
  );
  const seconds = (Date.now() - t0) / 1000;
  if (!batch) return { mode, complete: false, seconds };
  const tier = mode === 'FLEX' ? 'flex' : mode === 'BATCH' ? 'batch' : null;
  const price = (model) => costUsd(model, batch.usage, PRICES, tier);
  return { mode, complete: batch.succeeded === DOCUMENTS, seconds, usage: batch.usage, costUsd: { [MODEL]: price(MODEL), 'gpt-4o-mini': price('gpt-4o-mini') } };
}

const cleanup = createCleanup(log);
const loadBefore = loadavg()[0];
try {
  const dbh = await startBenchDatabase(cleanup, log);
  const dbEnv = { MONGODB_URI: dbh.uri };
  const batchEnv = { AI_BATCH_POLL_INTERVAL: '500ms', AI_BATCH_GATHER_WAIT: '1s', AI_PRICES: JSON.stringify({ 'gpt-5-mini': GPT_5_MINI }) };
  const api = await startService('api', { ...dbEnv, ...batchEnv, ROLE: 'api' }, cleanup);
  await startService('worker', { ...dbEnv, ...batchEnv, ROLE: 'worker' }, cleanup);
  const { key } = await createApiKey(new TenantsRepository(dbh.db), 'bench-cost');

  const rows = [];
  for (const mode of ['REALTIME', 'FLEX', 'BATCH']) {
    log(`${mode}: 50 documents`);
    rows.push({ label: mode, ...(await runMode(api, key, mode)) });
  }
  log('cache: true, first and second time');
  await runMode(api, key, 'REALTIME', { cache: true, instructions: 'cached run' });
  rows.push({ label: 'REALTIME, cache: true, repeated', ...(await runMode(api, key, 'REALTIME', { cache: true, instructions: 'cached run' })) });

  const base = rows[0].costUsd?.[MODEL] ?? null;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0] },
    database: dbh.database,
    documents: DOCUMENTS,
    prices: { [MODEL]: GPT_5_MINI, 'gpt-4o-mini': PRICES['gpt-4o-mini'] },
    rows,
  };
  await writeFile(new URL('./cost-results.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  const usd = (n) => (n === null || n === undefined ? '–' : `$${n.toFixed(4)}`);
  const share = (n) => (n === null || n === undefined || !base ? '–' : `${Math.round((n / base) * 100)} %`);
  const table = [
    `| mode | AI calls | answers reused | prompt tokens | completion tokens | ${MODEL} | vs REALTIME | gpt-4o-mini | wall time |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.usage
        ? `| ${r.label} | ${r.usage.calls} | ${r.usage.cachedCalls} | ${r.usage.promptTokens.toLocaleString('en')} | ${r.usage.completionTokens.toLocaleString('en')} | ${usd(r.costUsd[MODEL])} | ${share(r.costUsd[MODEL])} | ${usd(r.costUsd['gpt-4o-mini'])} | ${r.seconds.toFixed(1)} s |`
        : `| ${r.label} | – | – | – | – | – | – | – | not finished in ${BATCH_WAIT_MS / 1000} s |`,
    ),
  ].join('\n');
  console.log(table);
  const section = `Run of ${result.date}: ${DOCUMENTS} documents (one chunk each: a summary and an extraction per document), the offline provider's token counts, ${dbh.database}; ROLE=api and ROLE=worker processes; ${result.machine.cpus} CPUs, 1-minute load average ${loadBefore.toFixed(2)} before and ${result.machine.loadAverageAfter.toFixed(2)} after (wall times under load are not comparable; the costs do not depend on it).\n\n${table}\n\ngpt-4o-mini has no flex tier in the price table, so FLEX pays its standard rate there. The BATCH wall time is the stand-in's (two polls per batch, AI_BATCH_POLL_INTERVAL=500ms); with a real provider a batch answers within 24 h.`;
  const readme = new URL('./README.md', import.meta.url);
  const text = await readFile(readme, 'utf8');
  await writeFile(readme, text.replace(/<!-- cost-modes:start -->[\s\S]*<!-- cost-modes:end -->/, `<!-- cost-modes:start -->\n${section}\n<!-- cost-modes:end -->`));
} finally {
  await cleanup.run();
}
