/**
 * A worker process like `ROLE=worker node dist/main.js`, that also runs the kind of
 * counting-agent-kind.mjs: for tests that kill a worker in the middle of an agent. Needs
 * `npm run build`; takes MONGODB_URI and the rest from the environment as the service does.
 */
import 'reflect-metadata';
import { loadConfig } from '../../dist/config/index.js';
import { connectMongo } from '../../dist/db/client.js';
import { defaultJobKinds, JobKinds } from '../../dist/jobs/pipelines/registry.js';
import { createLogger } from '../../dist/log/logger.js';
import { createServices } from '../../dist/server/services.js';
import { startWorkerRole } from '../../dist/server/worker-role.js';
import { countingAgentKind } from './counting-agent-kind.mjs';

const config = loadConfig({ ...process.env, ROLE: 'worker' });
if (!config.mongodbUri) throw new Error('MONGODB_URI is required');
const logger = createLogger(config.logLevel);
const connection = await connectMongo(config.mongodbUri);
const kinds = new JobKinds([...defaultJobKinds().all(), countingAgentKind]);
const services = await createServices(config, logger, connection.db, { kinds });
const parts = await startWorkerRole(services);
process.stdout.write('Role: worker (with test.counting-agent)\n');

process.on('SIGTERM', async () => {
  await Promise.allSettled(parts.map((p) => p.stop()));
  await connection.close().catch(() => {});
  process.exit(0);
});
