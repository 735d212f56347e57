/**
 * Entry point: ROLE=api serves GraphQL, ROLE=worker runs jobs and delivers webhooks,
 * ROLE=all (the default) does both. SIGTERM/SIGINT drain and exit 0.
 */
import 'reflect-metadata';
import { ensureDevApiKey, DEV_TENANT } from './auth/dev-key.js';
import { ConfigError, loadConfig, withWebhookSecretKey, type Config } from './config/index.js';
import { connectMongo } from './db/client.js';
import { countDbCommands } from './metrics/db-commands.js';
import { JobKindsModuleError, loadJobKinds, type JobKinds } from './jobs/index.js';
import { findOrStartMongo } from './db/local-server.js';
import { createLogger, redactUri, type Logger } from './log/logger.js';
import { startApiServer } from './server/api-server.js';
import { createServices } from './server/services.js';
import { startWorkerRole, type RunningPart } from './server/worker-role.js';
import { startTracing } from './tracing/index.js';

/** The configuration, with the key that seals endpoint secrets (with the local database: kept in DATA_DIR). */
function loadConfigOrExit(): { config: Readonly<Config>; banner: string } {
  try {
    return withWebhookSecretKey(loadConfig());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The operator's kinds (JOB_KINDS_MODULE) are loaded before anything starts: a bad module is one line and exit 1. */
async function loadKindsOrExit(config: Readonly<Config>, logger: Logger): Promise<JobKinds> {
  try {
    return await loadJobKinds(config.jobs.kindsModule, { mcp: config.mcp, toolTimeoutMs: config.jobs.agentToolTimeoutMs, logger });
  } catch (err) {
    if (err instanceof JobKindsModuleError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const { config, banner: secretsLine } = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const kinds = await loadKindsOrExit(config, logger);
// Before anything else starts, so every span has the SDK behind it (a no-op when tracing is off).
const tracing = startTracing(config.tracing, config.role, (message) => logger.warn(message));
/** A database that cannot be reached or started is one clear line and exit 1, not a stack trace. */
async function orExit<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(`${what}: ${detail}\n`);
    process.exit(1);
  }
}

const mongo = await orExit('cannot start or find the database', () =>
  findOrStartMongo({
    uri: config.mongodbUri,
    dataDir: config.dataDir,
    log: (line) => logger.info(line),
  }),
);
const connection = await orExit(`cannot connect to the database at ${redactUri(mongo.uri)}`, () => connectMongo(mongo.uri, undefined, { monitorCommands: true }));
// Every command this process sends is counted (aijobs_db_commands_total): what work costs the database.
countDbCommands(connection.client);
const services = await createServices(config, logger, connection.db, { kinds });

const parts: RunningPart[] = [];
const lines: string[] = [];
if (config.role !== 'worker') {
  const api = await startApiServer(services);
  parts.push({ name: 'api', stop: () => api.close() });
  lines.push(`GraphQL API: ${api.url} (HTTP POST and WebSocket)`);
  if (mongo.kind !== 'external') {
    const key = await ensureDevApiKey(services.tenants, config.dataDir);
    lines.push(`Development API key (tenant "${DEV_TENANT}"): ${key}`);
    // The fragment (#key=…) stays in the browser: it is never sent to the server.
    if (api.consoleUrl) lines.push(`Console: ${api.consoleUrl}#key=${encodeURIComponent(key)}`);
  } else if (api.consoleUrl) {
    lines.push(`Console: ${api.consoleUrl}`);
  }
}
if (config.role !== 'api') parts.push(...(await startWorkerRole(services)));
if (mongo.kind !== 'external') lines.push(`MongoDB (${mongo.kind}, data in ${config.dataDir}): ${mongo.uri}`);
lines.push(secretsLine);
lines.push(`Role: ${config.role}; AI provider: ${config.ai.provider}${config.ai.provider === 'offline' ? ' (deterministic stand-in, no network)' : ` (${config.ai.model})`}`);
process.stdout.write(lines.join('\n') + '\n');
logger.info({ role: config.role, mongodb: redactUri(mongo.uri), provider: config.ai.provider }, 'started');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, 'second signal: exiting at once');
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'draining');
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'drain did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 5_000);
  deadline.unref();
  // Worker parts and the API drain in parallel; the database closes after both.
  const results = await Promise.allSettled(
    parts.map(async (p) => {
      const t0 = Date.now();
      await p.stop();
      logger.info({ part: p.name, ms: Date.now() - t0 }, 'stopped');
    }),
  );
  results.forEach((r, i) => {
    if (r.status === 'rejected') logger.error({ err: r.reason, part: parts[i]!.name }, 'stopping failed');
  });
  // MCP servers' connections stay up until the drained jobs no longer call their tools.
  await services.jobs.close().catch((err: unknown) => logger.warn({ err }, 'closing MCP connections failed'));
  await connection.close().catch(() => {});
  await mongo.stop();
  // Spans still buffered are exported before the exit (the exporter's own timeout bounds it).
  await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'exporting the last spans failed'));
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
