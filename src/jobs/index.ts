/**
 * The jobs domain's one entry point: nothing outside src/jobs imports a file inside it.
 * Its parts, each a folder with an index.ts of its own:
 *   commands/   what the API asks: submit, analyse documents, cancel, retry, idempotency
 *   run/        the worker loop, one attempt's runner, the step context, retrying.ts
 *   lifecycle/  a job's states: lease, leased job, parking, timers, finishing, batches, progress, queue
 *   ai-control/ around each AI call: models, budgets, rate limit, fairness, streaming, usage
 *   live/       the event feed, gapless event streams, live output, subscription views
 *   pipelines/  what a kind is, the registry, input validation, the built-in kinds
 *   agents/     ctx.agent's tool-calling loop, the registered tools and MCP connections
 *   review/     human review steps: ctx.review, answers, their delivery, signed callback links
 *   schedules/  cron in time zones, and the tick that submits a recurring schedule's job
 *   batch/      executionMode BATCH: calls handed to the provider's Batch API, the fleet's batch round
 *
 * How the parts fit, in one process (src/server/services.ts does this):
 *
 *   const jobs = await createJobs({ db, config, logger, processId, notifier });
 *   const job = await jobs.service.submit(tenantId, { kind: 'chain', input });   // API
 *   const { live } = await jobs.startLive();          // API: subscriptions read this
 *   const worker = await jobs.startWorker();          // worker: runs what is queued
 *   await worker.stop();                              // drains, then releases
 */
export { createJobs } from './create-jobs.js';
export type { CreateJobsOptions, Jobs, LiveParts } from './create-jobs.js';
export type { AiControl } from './ai-control/index.js';
export { JobService, MAX_EVENTS_PAGE, MAX_PAGE_SIZE, encodeCursor } from './commands/index.js';
export type { JobsDomain, ReviewAnswerInput, Reviewer } from './commands/index.js';
export { REVIEW_CALLBACK_PATH, ReviewLinkGoneError } from './review/index.js';
export type { BatchView, JobNotifier, JobStores, ReviewRequestNotice } from './lifecycle/index.js';
export { EventFeed, JobOutputFeed, LiveJobs, isPositionedStream } from './live/index.js';
export type { JobOutputChunk, PositionedStream } from './live/index.js';
export { defaultJobKinds, JobKindsModuleError, loadJobKinds } from './pipelines/index.js';
export type { JobKindDefinition, JobKinds, LoadJobKindsOptions, PipelineLimits, PipelineStep, ResultMeta, StepContext } from './pipelines/index.js';
export type { AgentTool, AgentToolContext, RegisteredTool } from './agents/index.js';
// The port through which jobs read files (src/files implements it).
export type { FileReadFailureCode, FileReadHooks, FileReadOutcome, FileRef, JobFiles, ReadFile } from './pipelines/index.js';
export { batchProgressMessage, makeProgress } from './lifecycle/index.js';
export type { JobQueue } from './lifecycle/index.js';
