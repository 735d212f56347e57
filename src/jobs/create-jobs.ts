/**
 * The jobs side of one process, composed from the config and the database: its
 * repositories (with their indexes), the queue of wake-ups, the API-side service, and
 * factories for the parts a role starts — the live feeds of an API process and the job
 * worker of a worker process. `server/` wires roles from this and builds no repository.
 */
import type { Db } from 'mongodb';
import { createAiProvider } from '../ai/index.js';
import type { Config } from '../config/index.js';
import { supportsChangeStreams } from '../db/client.js';
import { JobOutputRepository, RateLimitRepository, ResponseCacheRepository } from '../db/jobs/index.js';
import { SpendLedgerRepository, TenantBudgetsRepository, TenantSeatsRepository } from '../db/tenants/index.js';
import type { Logger } from '../log/logger.js';
import { modelPolicyFrom, OutputStreamWriter, ResponseCache, SharedRateLimit, TenantBudgets, TenantFairness, type AiControl } from './ai-control/index.js';
import { JobService, type JobsDomain } from './commands/index.js';
import { createJobStores, JobQueue, type JobNotifier, type JobStores } from './lifecycle/index.js';
import { EventFeed, JobOutputFeed, LiveJobs } from './live/index.js';
import { loadJobKinds, type JobKinds } from './pipelines/index.js';
import { startJobWorker, type JobWorker } from './run/index.js';

export interface CreateJobsOptions {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  /** This process in leases, logs and the queue (host, pid and a random suffix). */
  processId: string;
  /** Told when a job or batch finishes: the webhook outbox and the retention ledger. */
  notifier: JobNotifier;
  /**
   * The kinds this process runs; unset: the built-in ones and JOB_KINDS_MODULE's, loaded here
   * (the entry point loads them before anything starts, so a bad module stops it at once).
   */
  kinds?: JobKinds;
}

/** What an API process serves subscriptions from; `stop` ends both readers. */
export interface LiveParts {
  feed: EventFeed;
  live: LiveJobs;
  output: JobOutputFeed;
  stop(): void;
}

export interface Jobs {
  stores: JobStores;
  queue: JobQueue;
  domain: JobsDomain;
  /** The tenant-scoped operations resolvers call. */
  service: JobService;
  /** Starts this process's one event feed and the output reader (API role). */
  startLive(): Promise<LiveParts>;
  /** Starts taking jobs (worker role), with the configured AI provider behind the shared rate limit. */
  startWorker(): Promise<JobWorker>;
}

export async function createJobs({ db, config, logger, processId, notifier, kinds }: CreateJobsOptions): Promise<Jobs> {
  const stores = await createJobStores(db, {
    eventFeed: { maxDocs: config.events.feedMaxEvents, maxBytes: config.events.feedMaxBytes },
  });
  const queue = new JobQueue(db, {
    pollMs: config.jobs.pollMs,
    concurrency: config.jobs.concurrency,
    lockLifetimeMs: config.jobs.leaseMs,
    name: processId,
    admissionWindow: config.jobs.admissionWindow,
    findLive: (id) => stores.live.findById(id),
    // On a replica set a submitted job is picked up at once, not at the next poll.
    changeStream: config.role !== 'api' && (await supportsChangeStreams(db)),
  });
  const domain: JobsDomain = {
    stores,
    kinds: kinds ?? (await loadJobKinds(config.jobs.kindsModule)),
    queue,
    notifier,
    logger,
    limits: config.jobs.limits,
    defaultMaxAttempts: config.jobs.defaultMaxAttempts,
    leaseMs: config.jobs.leaseMs,
    processId,
    models: modelPolicyFrom(config),
    // A reservation a dead worker never settled stops counting after one job attempt's limit.
    tenantBudgets: new TenantBudgets(new TenantBudgetsRepository(db), new SpendLedgerRepository(db), { holdMs: config.jobs.timeoutMs }),
    batchDeadlineMs: config.ai.batch.deadlineMs,
  };
  const service = new JobService(domain);

  async function startLive(): Promise<LiveParts> {
    // One event reader per API process feeds every subscription it serves.
    const feed = new EventFeed({ db, events: stores.events, logger: logger.child({ part: 'events' }), pollMs: config.events.pollMs, subscriberBuffer: config.events.subscriberBuffer });
    await feed.start();
    const live = new LiveJobs(service, feed, logger.child({ part: 'subscriptions' }), { idleCheckMs: config.events.idleCheckMs });
    const output = new JobOutputFeed({
      output: new JobOutputRepository(db),
      findJob: (tenantId, jobId) => service.getJob(tenantId, jobId),
      pollMs: config.aiControl.streamPollMs,
      logger: logger.child({ part: 'output' }),
    });
    return { feed, live, output, stop: () => (output.stop(), feed.stop()) };
  }

  async function startWorker(): Promise<JobWorker> {
    // One rate limit shared by every worker through the database (AI_RPM, AI_TPM, 429s).
    const gate = new SharedRateLimit(new RateLimitRepository(db), {
      rpm: config.aiControl.rpm,
      tpm: config.aiControl.tpm,
      windowMs: config.aiControl.rateWindowMs,
      defaultBlockMs: 1_000,
    });
    const ai = createAiProvider({ ...config.ai, gate });
    const fairness = new TenantFairness(
      {
        seats: new TenantSeatsRepository(db),
        findJob: (id) => stores.jobs.findById(id),
        findLive: (id) => stores.live.findById(id),
        enqueue: (id, priority, runAt) => queue.enqueue(id, priority, runAt),
      },
      { maxRunning: config.aiControl.tenantMaxRunning, deferMs: 1_000, claimGraceMs: config.jobs.leaseMs },
    );
    return startJobWorker(
      { stores, kinds: domain.kinds, ai, notifier, logger: logger.child({ part: 'jobs' }), queue, aiControl: await workerAiControl(), fairness },
      {
        workerId: processId,
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
  }

  /** Models, budgets, live output and the response cache for the runner's AI calls. */
  async function workerAiControl(): Promise<AiControl | undefined> {
    const { models, tenantBudgets } = domain;
    if (!models || !tenantBudgets) return undefined;
    const { streamFlushMs, streamPollMs } = config.aiControl;
    const output = new OutputStreamWriter(
      new JobOutputRepository(db),
      // The finished text stays a few reader ticks, so every subscriber sees the end.
      { flushMs: streamFlushMs, lingerMs: Math.max(1_000, 5 * streamPollMs) },
      logger.child({ part: 'output-stream' }),
    );
    const cacheRepo = new ResponseCacheRepository(db);
    await cacheRepo.ensureIndexes();
    const cache = new ResponseCache(cacheRepo, { ttlMs: config.ai.cacheTtlMs, logger: logger.child({ part: 'response-cache' }) });
    return { models, budgets: tenantBudgets, output, cache };
  }

  return { stores, queue, domain, service, startLive, startWorker };
}
