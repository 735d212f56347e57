/**
 * What a worker process runs: the job runner and the webhook dispatcher. Each part
 * starts taking work at once and, on stop, takes no more and drains what it holds.
 */
import { createAiProvider } from '../ai/index.js';
import { JobOutputRepository } from '../db/job-output.repository.js';
import { RateLimitRepository } from '../db/rate-limit.repository.js';
import { TenantSeatsRepository } from '../db/tenant-seats.repository.js';
import type { AiControl } from '../jobs/ai-control.js';
import { OutputStreamWriter } from '../jobs/output-stream-writer.js';
import { SharedRateLimit } from '../jobs/shared-rate-limit.js';
import { TenantFairness } from '../jobs/tenant-fairness.js';
import { startJobWorker } from '../jobs/worker.js';
import { RetentionSweep } from '../retention/retention-sweep.js';
import type { Services } from './services.js';
import { startWorkerHttp } from './worker-http.js';

export interface RunningPart {
  name: string;
  stop(): Promise<void>;
}

export async function startWorkerRole(services: Services): Promise<RunningPart[]> {
  const { config } = services;
  // One rate limit shared by every worker through the database (AI_RPM, AI_TPM, 429s).
  const gate = new SharedRateLimit(new RateLimitRepository(services.db), {
    rpm: config.aiControl.rpm,
    tpm: config.aiControl.tpm,
    windowMs: config.aiControl.rateWindowMs,
    defaultBlockMs: 1_000,
  });
  const ai = createAiProvider({ ...config.ai, gate });
  const fairness = new TenantFairness(
    {
      seats: new TenantSeatsRepository(services.db),
      findJob: (id) => services.jobStores.jobs.findById(id),
      findLive: (id) => services.jobStores.live.findById(id),
      enqueue: (id, priority, runAt) => services.queue.enqueue(id, priority, runAt),
    },
    { maxRunning: config.aiControl.tenantMaxRunning, deferMs: 1_000, claimGraceMs: config.jobs.leaseMs },
  );
  const aiControl = workerAiControl(services);
  const jobs = await startJobWorker(
    {
      stores: services.jobStores,
      kinds: services.jobsDomain.kinds,
      ai,
      notifier: services.notifier,
      logger: services.logger.child({ part: 'jobs' }),
      queue: services.queue,
      aiControl,
      fairness,
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
  // Each stops once, however often it is asked; the probe server waits for both.
  let jobsStopped: Promise<void> | null = null;
  let webhooksStopped: Promise<void> | null = null;
  const stopJobs = () => (jobsStopped ??= jobs.stop());
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

/** Models, budgets and live output for the runner's AI calls. */
function workerAiControl(services: Services): AiControl | undefined {
  const { models, tenantBudgets } = services.jobsDomain;
  if (!models || !tenantBudgets) return undefined;
  const { streamFlushMs, streamPollMs } = services.config.aiControl;
  const output = new OutputStreamWriter(
    new JobOutputRepository(services.db),
    // The finished text stays a few reader ticks, so every subscriber sees the end.
    { flushMs: streamFlushMs, lingerMs: Math.max(1_000, 5 * streamPollMs) },
    services.logger.child({ part: 'output-stream' }),
  );
  return { models, budgets: tenantBudgets, output };
}
