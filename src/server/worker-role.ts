/**
 * What a worker process runs: the job runner and the webhook dispatcher. Each part
 * starts taking work at once and, on stop, takes no more and drains what it holds.
 */
import { createAiProvider } from '../ai/index.js';
import { startJobWorker } from '../jobs/worker.js';
import { RetentionSweep } from '../retention/retention-sweep.js';
import type { Services } from './services.js';

export interface RunningPart {
  name: string;
  stop(): Promise<void>;
}

export async function startWorkerRole(services: Services): Promise<RunningPart[]> {
  const { config } = services;
  const ai = createAiProvider(config.ai);
  const jobs = await startJobWorker(
    {
      stores: services.jobStores,
      kinds: services.jobsDomain.kinds,
      ai,
      notifier: services.notifier,
      logger: services.logger.child({ part: 'jobs' }),
      queue: services.queue,
    },
    {
      workerId: services.processId,
      leaseMs: config.jobs.leaseMs,
      jobTimeoutMs: config.jobs.timeoutMs,
      retryDelayMs: config.jobs.retryDelayMs,
      dbRetryMs: config.jobs.dbRetryMs,
      contextTokens: config.ai.contextTokens,
      prices: config.ai.prices,
      drainGraceMs: Math.floor(config.shutdownTimeoutMs / 2),
      showInternalErrors: config.nodeEnv === 'development',
    },
  );
  const dispatcher = services.webhooks.createDispatcher();
  dispatcher.start();
  const { repositories } = services.webhooks;
  const retention = new RetentionSweep({
    ledger: services.retentionLedger,
    jobs: services.jobStores.jobs,
    live: services.jobStores.live,
    batches: services.jobStores.batches,
    events: services.jobStores.events,
    endpoints: repositories.endpoints,
    deliveries: repositories.deliveries,
    attempts: repositories.attempts,
    queue: repositories.queue,
    settings: config.retention,
    logger: services.logger.child({ part: 'retention' }),
  });
  retention.start();
  return [
    { name: 'jobs', stop: () => jobs.stop() },
    { name: 'webhooks', stop: () => dispatcher.stop() },
    { name: 'retention', stop: () => retention.stop() },
  ];
}
