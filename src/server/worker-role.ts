/**
 * What a worker process runs: the job runner and the webhook dispatcher. Each part
 * starts taking work at once and, on stop, takes no more and drains what it holds.
 */
import type { Services } from './services.js';
import { startWorkerHttp } from './worker-http.js';

export interface RunningPart {
  name: string;
  stop(): Promise<void>;
}

export async function startWorkerRole(services: Services): Promise<RunningPart[]> {
  const { config } = services;
  const jobs = await services.jobs.startWorker();
  const dispatcher = services.webhooks.createDispatcher();
  dispatcher.start();
  const retention = services.retention.sweep(services.jobStores, services.webhooks, services.logger.child({ part: 'retention' }), services.files.service);
  retention.start();
  // Each stops once, however often it is asked; the probe server waits for both.
  let jobsStopped: Promise<void> | null = null;
  let webhooksStopped: Promise<void> | null = null;
  // The URL fetcher's connections close once no job can read a file any more.
  const stopJobs = () => (jobsStopped ??= jobs.stop().then(() => services.files.close()));
  const stopWebhooks = () => (webhooksStopped ??= dispatcher.stop());
  const parts: RunningPart[] = [
    { name: 'jobs', stop: stopJobs },
    { name: 'webhooks', stop: stopWebhooks },
    { name: 'retention', stop: () => retention.stop() },
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
