/**
 * What a worker process runs: the job runner and the webhook dispatcher. Each part
 * starts taking work at once and, on stop, takes no more and drains what it holds.
 */
import { createAiProvider } from '../ai/index.js';
import { startJobWorker } from '../jobs/worker.js';
import type { Services } from './services.js';
import { startWorkerHttp } from './worker-http.js';

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
    },
  );
  const dispatcher = services.webhooks.createDispatcher();
  dispatcher.start();
  // Each stops once, however often it is asked; the probe server waits for both.
  let jobsStopped: Promise<void> | null = null;
  let webhooksStopped: Promise<void> | null = null;
  const stopJobs = () => (jobsStopped ??= jobs.stop());
  const stopWebhooks = () => (webhooksStopped ??= dispatcher.stop());
  const parts: RunningPart[] = [
    { name: 'jobs', stop: stopJobs },
    { name: 'webhooks', stop: stopWebhooks },
  ];
  if (config.metrics.port !== undefined) {
    const http = await startWorkerHttp(
      services,
      { lastPollAt: () => services.queue.lastPollAt(), atCapacity: () => jobs.runner.runningJobIds().length >= config.jobs.concurrency },
      config.metrics.port,
    );
    services.logger.info({ port: http.port }, 'worker metrics and probes listening');
    // Probes and metrics keep answering while the worker drains (/healthz: still alive).
    parts.push({
      name: 'metrics',
      stop: async () => {
        await Promise.allSettled([stopJobs(), stopWebhooks()]);
        await http.close();
      },
    });
  }
  return parts;
}
