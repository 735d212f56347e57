/**
 * The AI in-flight probe alone (step 9 of run.mjs): `node bench/ai-in-flight.mjs [calls]`
 * after `npm run build`. Prints the result row as JSON.
 */
import { createApiKey } from '../dist/auth/api-keys.js';
import { TenantsRepository } from '../dist/db/tenants/tenants.repository.js';
import { startService } from './processes.mjs';
import { measureAiInFlight } from './scale.mjs';
import { createCleanup, openBenchDatabase, startBenchDatabase } from './service.mjs';

const log = (line) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const cleanup = createCleanup(log);
try {
  const dbh = await startBenchDatabase(cleanup, log);
  const db = await openBenchDatabase(dbh.serverUri, 'bench_ai', cleanup);
  const dbEnv = { MONGODB_URI: db.uri };
  const api = await startService('api', { ...dbEnv, ROLE: 'api' }, cleanup);
  const { key } = await createApiKey(new TenantsRepository(db.db), 'bench');
  const row = await measureAiInFlight({ api, key, dbEnv, cleanup, log }, { calls: Number(process.argv[2] ?? 500) });
  console.log(JSON.stringify(row, null, 2));
} finally {
  await cleanup.run?.();
}
