/**
 * Budgets: before every AI call, the call's estimated cost and tokens are checked against
 * the job's budget and reserved against the tenant's monthly budget (tenant-budgets.ts);
 * after it, what it really cost is settled. A tenant over its month's budget may not
 * submit new jobs. A call that is checked against a budget has its answer capped at the
 * estimate's answer tokens, so it cannot cost more than was reserved for it.
 */
import { costUsd, countTokens, type ChatMessage } from '../../ai/index.js';
import type { PriceTable } from '../../config/index.js';
import type { JobDoc } from '../../db/jobs/index.js';
import { BudgetExceededError } from './budget-exceeded-error.js';

/** When a call sets no cap on its answer, its answer is estimated at this many tokens. */
export const DEFAULT_OUTPUT_ESTIMATE_TOKENS = 1024;

export interface CallEstimate {
  tokens: number;
  /** null when the model has no price. */
  costUsd: number | null;
}

export function estimateCall(
  model: string,
  messages: readonly ChatMessage[],
  maxTokens: number | undefined,
  prices: PriceTable,
  offline: boolean,
): CallEstimate {
  const promptTokens = messages.reduce((sum, m) => sum + countTokens(m.content), 0);
  const completionTokens = maxTokens ?? DEFAULT_OUTPUT_ESTIMATE_TOKENS;
  return {
    tokens: promptTokens + completionTokens,
    costUsd: offline ? 0 : costUsd(model, { promptTokens, completionTokens }, prices),
  };
}

export const usd = (n: number): string => `$${n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`;

/** Throws BudgetExceededError when the call would take the job past its own budget. */
export function checkJobBudget(job: Pick<JobDoc, 'budget' | 'usage'>, call: CallEstimate): void {
  const budget = job.budget;
  if (!budget) return;
  if (budget.maxTokens !== null && job.usage.totalTokens + call.tokens > budget.maxTokens) {
    throw new BudgetExceededError(
      `the next AI call (about ${call.tokens} tokens) would take the job past its budget of ${budget.maxTokens} tokens (${job.usage.totalTokens} used)`,
    );
  }
  if (budget.maxCostUsd !== null) {
    if (call.costUsd === null || job.usage.costUsd === null) {
      throw new BudgetExceededError('the cost of the next AI call is unknown (its model has no price), so the job budget cannot be kept');
    }
    if (job.usage.costUsd + call.costUsd > budget.maxCostUsd) {
      throw new BudgetExceededError(
        `the next AI call (about ${usd(call.costUsd)}) would take the job past its budget of ${usd(budget.maxCostUsd)} (${usd(job.usage.costUsd)} spent)`,
      );
    }
  }
}

