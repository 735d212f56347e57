/**
 * What the step context asks around each AI call: which model and parameters the call
 * uses (job options, a step's overrides), whether the budgets allow it, where its text
 * streams to, and where its cost is added up for the tenant.
 */
import type { CompletionRequest } from '../../ai/index.js';
import type { JobDoc, UsageDoc } from '../../db/jobs/index.js';
import type { ModelPolicy } from './options.js';
import { checkJobBudget, estimateCall, type TenantBudgets } from './budgets.js';
import type { OutputSink, OutputStreamWriter } from './output-stream-writer.js';

export interface AiControl {
  models: ModelPolicy;
  budgets: TenantBudgets;
  output: OutputStreamWriter;
}

export interface CallParameters {
  model: string;
  temperature?: number;
  maxTokens?: number;
}

/** A step's own request wins over the job's options, which win over the deployment's defaults. */
export function callParameters(job: Pick<JobDoc, 'ai'>, request: Omit<CompletionRequest, 'signal'>, defaultModel: string): CallParameters {
  const temperature = request.temperature ?? job.ai?.temperature ?? undefined;
  const maxTokens = request.maxTokens ?? job.ai?.maxOutputTokens ?? undefined;
  return {
    model: request.model ?? job.ai?.model ?? defaultModel,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
}

/** Throws BudgetExceededError when the call would pass the job's or the tenant's budget. */
export async function checkBudgets(
  control: AiControl,
  job: JobDoc,
  request: Omit<CompletionRequest, 'signal'>,
  params: CallParameters,
  offline: boolean,
): Promise<void> {
  const estimate = estimateCall(params.model, request.messages, params.maxTokens, control.models.prices, offline);
  checkJobBudget(job, estimate);
  await control.budgets.checkCall(job.tenantId, estimate);
}

export function openOutput(control: AiControl, job: JobDoc, step: string, call: string): OutputSink {
  return control.output.open({ jobId: job._id, tenantId: job.tenantId, step, call });
}

export function recordSpend(control: AiControl, job: JobDoc, usage: UsageDoc): Promise<void> {
  return control.budgets.record(job.tenantId, usage);
}
