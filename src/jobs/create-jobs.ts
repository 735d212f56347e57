/**
 * The jobs side of one process, composed from the config and the database: its
 * repositories (with their indexes), the queue of wake-ups, the API-side service, and
 * factories for the parts a role starts — the live feeds of an API process and the job
 * worker of a worker process. `server/` wires roles from this and builds no repository.
 */
import type { Db } from 'mongodb';
import { createAiProvider, type OfflineObject } from '../ai/index.js';
import type { Config } from '../config/index.js';
import { supportsChangeStreams } from '../db/client.js';
import { JobOutputRepository, OfflineBatchesRepository, RateLimitRepository, ResponseCacheRepository, ServiceKeysRepository } from '../db/jobs/index.js';
import { SpendLedgerRepository, TenantBudgetsRepository, TenantSeatsRepository } from '../db/tenants/index.js';
import type { Logger } from '../log/logger.js';
import { modelPolicyFrom, OutputStreamWriter, ResponseCache, SharedRateLimit, TenantBudgets, TenantFairness, type AiControl } from './ai-control/index.js';
import { JobService, type JobsDomain } from './commands/index.js';
import { createJobStores, JobQueue, JobTimers, startScheduledBatch, startScheduledJob, type JobNotifier, type JobStores } from './lifecycle/index.js';
import { ReviewLinks, reviewKey, Reviews } from './review/index.js';
import { fireScheduleTick } from './schedules/index.js';
import { EventFeed, JobOutputFeed, LiveJobs } from './live/index.js';
import { loadJobKinds, type JobFiles, type JobKinds } from './pipelines/index.js';
import { startJobWorker, type JobWorker } from './run/index.js';
import { createBatchPath } from './batch/index.js';

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
  /** Uploads and URLs that jobs read (src/files); absent: a submission naming a file is refused. */
  files?: JobFiles;
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
  /** Closes the agent tools' MCP connections: call it after the worker has drained. */
  close(): Promise<void>;
  /** Review callback links name this address from now on (the API's, once it listens), unless PUBLIC_URL is set. */
  usePublicUrl(url: string): void;
}

export async function createJobs({ db, config, logger, processId, notifier, kinds, files }: CreateJobsOptions): Promise<Jobs> {
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
  // Review callback URLs: signed with a key every process of the deployment shares, under PUBLIC_URL.
  let publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const links = new ReviewLinks(await reviewKey(config.webhooks.secretKey, new ServiceKeysRepository(db)), () => publicUrl);
  const timers = new JobTimers(stores.timers);
  const reviews = new Reviews({
    stores,
    notifier,
    links,
    timers,
    owner: processId,
    leaseMs: config.jobs.leaseMs,
    enqueue: (jobId, priority) => queue.enqueue(jobId, priority),
  });
  const domain: JobsDomain = {
    stores,
    kinds: kinds ?? (await loadJobKinds(config.jobs.kindsModule, { mcp: config.mcp, toolTimeoutMs: config.jobs.agentToolTimeoutMs, logger })),
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
    ...(files ? { files } : {}),
    batchDeadlineMs: config.ai.batch.deadlineMs,
    reviews,
    timers,
    maxRunAtAheadMs: config.jobs.maxRunAtAheadMs,
    maxSchedulesPerTenant: config.jobs.maxSchedulesPerTenant,
  };
  const service = new JobService(domain);
  // Before serving: jobKinds lists the MCP servers' tools, and a submission naming one is checked against them.
  await domain.kinds.tools.connectAll();

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
    const ai = createAiProvider({ ...config.ai, gate, offlineBatchStore: new OfflineBatchesRepository<OfflineObject>(db) });
    const batch = createBatchPath({ stores, queue, ai, logger: logger.child({ part: 'batch' }), owner: processId, leaseMs: config.jobs.leaseMs, maxCallAttempts: config.ai.maxCallAttempts, config: config.ai.batch });
    const starts = { stores, queue, owner: processId, leaseMs: config.jobs.leaseMs };
    const ticks = { schedules: stores.schedules, timers, submit: (tenantId: string, request: Record<string, unknown>) => service.submitFromSchedule(tenantId, request) };
    const fairness = new TenantFairness(
      {
        seats: new TenantSeatsRepository(db),
        findJob: (id) => stores.jobs.findById(id),
        findLive: (id) => stores.live.findById(id),
        enqueue: (id, priority, runAt) => queue.enqueue(id, priority, runAt),
      },
      { maxRunning: config.aiControl.tenantMaxRunning, deferMs: 1_000, claimGraceMs: config.jobs.leaseMs },
    );
    const worker = await startJobWorker(
      {
        stores,
        kinds: domain.kinds,
        ai,
        notifier,
        logger: logger.child({ part: 'jobs' }),
        queue,
        aiControl: await workerAiControl(),
        fairness,
        reviews,
        ...(batch ? { batch: batch.step } : {}),
        timers,
        timerHandlers: {
          review: reviews.onTimer,
          'run-at': (timer) => startScheduledJob(starts, timer.ref),
          'run-at-batch': (timer) => startScheduledBatch(starts, timer.ref),
          schedule: (timer) => fireScheduleTick(ticks, timer.ref, timer.dueAt),
        },
        ...(files ? { files } : {}),
      },
      {
        workerId: processId,
        leaseMs: config.jobs.leaseMs,
        jobTimeoutMs: config.jobs.timeoutMs,
        retryDelayMs: config.jobs.retryDelayMs,
        dbRetryMs: config.jobs.dbRetryMs,
        agentToolTimeoutMs: config.jobs.agentToolTimeoutMs,
        contextTokens: config.ai.contextTokens,
        prices: config.ai.prices,
        drainGraceMs: Math.floor(config.shutdownTimeoutMs / 2),
        timerPollMs: config.jobs.pollMs,
        showInternalErrors: config.nodeEnv === 'development',
      },
    );
    batch?.rounds.start();
    return { ...worker, stop: async () => (await batch?.rounds.stop(Math.floor(config.shutdownTimeoutMs / 4)), await worker.stop()) };
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

  function usePublicUrl(url: string): void {
    if (!config.publicUrl) publicUrl = url;
  }

  return { stores, queue, domain, service, startLive, startWorker, usePublicUrl, close: () => domain.kinds.close() };
}
