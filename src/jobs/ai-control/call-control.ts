/**
 * What the step context asks around each AI call: which model and parameters the call
 * uses (job options, a step's overrides, the job's execution mode), whether the response
 * cache holds its answer, whether the budgets allow it (a reservation, settled after the
 * call), and where its text streams to.
 */
import { createHash } from 'node:crypto';
import type { CompletionRequest, CompletionResult } from '../../ai/index.js';
import type { JobDoc, UsageDoc } from '../../db/jobs/index.js';
import type { ModelPolicy } from './options.js';
import { checkJobBudget, DEFAULT_OUTPUT_ESTIMATE_TOKENS, estimateCall } from './budgets.js';
import type { TenantBudgets } from './tenant-budgets.js';
import type { OutputSink, OutputStreamWriter } from './output-stream-writer.js';
import type { ResponseCache } from './response-cache.js';

export interface AiControl {
  models: ModelPolicy;
  budgets: TenantBudgets;
  output: OutputStreamWriter;
  /** Stored answers for jobs that ask for them (absent: no response cache). */
  cache?: ResponseCache;
}

export interface CallParameters {
  model: string;
  temperature?: number;
  maxTokens?: number;
  /** `flex` for a FLEX job. */
  serviceTier?: 'flex';
  /** The same for every call of one kind and tenant, so the provider's prompt cache serves their shared prefixes. */
  promptCacheKey?: string;
}

/** A step's own request wins over the job's options, which win over the deployment's defaults. */
export function callParameters(
  job: Pick<JobDoc, 'ai'> & Partial<Pick<JobDoc, 'executionMode' | 'tenantId' | 'kind'>>,
  request: Omit<CompletionRequest, 'signal'>,
  defaultModel: string,
): CallParameters {
  const temperature = request.temperature ?? job.ai?.temperature ?? undefined;
  const maxTokens = request.maxTokens ?? job.ai?.maxOutputTokens ?? undefined;
  return {
    model: request.model ?? job.ai?.model ?? defaultModel,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(job.executionMode === 'FLEX' ? { serviceTier: 'flex' as const } : {}),
    ...(job.tenantId !== undefined && job.kind !== undefined ? { promptCacheKey: promptCacheKey(job.kind, job.tenantId) } : {}),
  };
}

/**
 * `<kind>:<16 hex digits>`: the kind, and a hash of the tenant id (the provider need not
 * learn our tenant ids), so one tenant's calls of one kind share the provider's prompt cache.
 */
export function promptCacheKey(kind: string, tenantId: string): string {
  return `${kind}:${createHash('sha256').update(tenantId).digest('hex').slice(0, 16)}`;
}

/** The stored answer of an identical call, for a job that asked for the response cache; else undefined. */
export function cachedAnswer(
  control: AiControl,
  job: JobDoc,
  request: Omit<CompletionRequest, 'signal'>,
  params: CallParameters,
  provider: string,
): Promise<CompletionResult | undefined> {
  if (!job.cache || !control.cache) return Promise.resolve(undefined);
  return control.cache.lookup(cacheableCall(job, request, params, provider));
}

/** Keeps a paid answer of a job that asked for the response cache, for identical calls to come. */
export async function keepAnswer(
  control: AiControl,
  job: JobDoc,
  request: Omit<CompletionRequest, 'signal'>,
  params: CallParameters,
  provider: string,
  result: CompletionResult,
): Promise<void> {
  if (!job.cache || !control.cache) return;
  await control.cache.store(cacheableCall(job, request, params, provider), result);
}

function cacheableCall(job: JobDoc, request: Omit<CompletionRequest, 'signal'>, params: CallParameters, provider: string) {
  return {
    tenantId: job.tenantId,
    provider,
    model: params.model,
    messages: request.messages,
    ...(request.json ? { json: true } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.maxTokens !== undefined ? { maxTokens: params.maxTokens } : {}),
  };
}

/** A call cleared by the budgets: its parameters (the answer capped when a budget applies), and how to close its reservation. */
export interface BudgetHold {
  params: CallParameters;
  /** The call was answered: its real cost replaces the reservation. */
  settle(usage: UsageDoc): Promise<void>;
  /** The call failed: the reservation is given back (best effort: else it lapses by itself). */
  release(): Promise<void>;
}

/**
 * Checks the call against the job's budget and reserves its estimate against the tenant's
 * month; throws BudgetExceededError when it would pass either. When a budget applies, the
 * answer is capped at the tokens the estimate counted, so the call cannot cost more.
 */
export async function holdBudgets(
  control: AiControl,
  job: JobDoc,
  request: Omit<CompletionRequest, 'signal'>,
  params: CallParameters,
  offline: boolean,
  signal?: AbortSignal,
): Promise<BudgetHold> {
  const estimate = estimateCall(params.model, request.messages, params.maxTokens, control.models.prices, offline);
  checkJobBudget(job, estimate);
  const reservation = await control.budgets.reserve(job.tenantId, estimate, signal);
  const budgeted = reservation !== null || (job.budget !== null && job.budget !== undefined && (job.budget.maxCostUsd !== null || job.budget.maxTokens !== null));
  const capped = budgeted && params.maxTokens === undefined ? { ...params, maxTokens: DEFAULT_OUTPUT_ESTIMATE_TOKENS } : params;
  return {
    params: capped,
    settle: (usage) => control.budgets.settle(job.tenantId, reservation, usage),
    release: async () => {
      if (reservation) await control.budgets.release(reservation).catch(() => {});
    },
  };
}

export function openOutput(control: AiControl, job: JobDoc, step: string, call: string): OutputSink {
  return control.output.open({ jobId: job._id, tenantId: job.tenantId, step, call });
}
