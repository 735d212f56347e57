/**
 * The whole service in this test process (API + worker, or either), on a fresh database
 * and a free port, with a tenant and API key ready. Configuration is the real loader fed
 * with the test's environment, so defaults and validation are the production ones.
 */
import { createApiKey } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { startApiServer, type ApiServer } from '../../src/server/api-server.js';
import { createServices, type Services } from '../../src/server/services.js';
import { startWorkerRole, type RunningPart } from '../../src/server/worker-role.js';
import type { JobKinds } from '../../src/jobs/index.js';
import { createTestDb, type TestDb } from './db.js';

export interface TestApp {
  url: string;
  key: string;
  tenantId: string;
  services: Services;
  db: TestDb;
  api?: ApiServer;
  /** A key of a second tenant, for isolation tests. */
  newTenantKey(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  role?: 'api' | 'worker' | 'all';
  /** Reuse a database (e.g. to run API and worker apps on one store). */
  db?: TestDb;
  /** The kinds the service runs (default: the built-in ones), e.g. with a test's own agent kind. */
  kinds?: JobKinds;
}

/** Fast, local defaults for tests; a test's own env wins. */
export const TEST_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  // Suites share a database and store endpoint secrets as given; sealing has its own tests.
  NODE_ENV: 'test',
  AI_PROVIDER: 'offline',
  JOB_POLL_INTERVAL: '100ms',
  EVENT_POLL_INTERVAL: '50ms',
  WEBHOOK_POLL_INTERVAL: '100ms',
  JOB_RETRY_DELAY: '200ms',
  JOB_LEASE: '15s',
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  SHUTDOWN_TIMEOUT: '10s',
  // Suites poll and submit fast; the limits have their own tests (test/hardening).
  API_RATE_LIMIT: '1000000',
  SUBMIT_RATE_LIMIT: '1000000',
  WEBHOOK_SEND_RATE_LIMIT: '1000000',
  MAX_CONNECTIONS_PER_TENANT: '100000',
  // One tenant per suite: fairness between tenants has its own test (test/ai-control).
  TENANT_MAX_RUNNING: '1000',
};

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDb('app'));
  const role = opts.role ?? 'all';
  const config = loadConfig({ ...TEST_ENV, ...opts.env, ROLE: role, MONGODB_URI: db.uri });
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger, db.db, opts.kinds ? { kinds: opts.kinds } : {});
  const parts: RunningPart[] = [];
  let api: ApiServer | undefined;
  if (role !== 'worker') {
    api = await startApiServer(services);
    parts.push({ name: 'api', stop: () => api!.close() });
  }
  if (role !== 'api') parts.push(...(await startWorkerRole(services)));
  const { key, tenant } = await createApiKey(services.tenants, `tenant-${Math.random().toString(36).slice(2, 8)}`);
  return {
    url: api?.url ?? '',
    key,
    tenantId: tenant._id,
    services,
    db,
    api,
    newTenantKey: async (name) => (await createApiKey(services.tenants, name)).key,
    async stop() {
      await Promise.allSettled(parts.map((p) => p.stop()));
      await services.jobs.close();
      if (!opts.db) await db.close();
    },
  };
}
