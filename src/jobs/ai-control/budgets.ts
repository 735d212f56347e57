/**
 * Budgets: before every AI call, the call's estimated cost and tokens are checked against
 * the job's budget and the tenant's monthly budget; after it, what it really cost is added
 * to the tenant's month. A tenant over its month's budget may not submit new jobs.
 */
import { costUsd, countTokens, type ChatMessage } from '../../ai/index.js';
import type { PriceTable } from '../../config/index.js';
import { spendPeriod, type TenantBudgetsRepository } from '../../db/tenants/index.js';
import type { JobDoc, UsageDoc } from '../../db/jobs/index.js';
import { AppError, ErrorCode } from '../../errors/index.js';
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

const usd = (n: number): string => `$${n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`;

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

export interface TenantBudgetView {
  monthlyUsd: number | null;
  period: string;
  spentUsd: number;
  leftUsd: number | null;
}

/** The tenant side: monthly budgets and spending, by `_id` documents only. */
export class TenantBudgets {
  /** Spending writes of this process, one after another (see TenantBudgetsRepository.addSpend). */
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly repo: TenantBudgetsRepository, private readonly now: () => Date = () => new Date()) {}

  async view(tenantId: string): Promise<TenantBudgetView> {
    const period = spendPeriod(this.now());
    const [monthlyUsd, spent] = await Promise.all([this.repo.monthlyUsd(tenantId), this.repo.spent(tenantId, period)]);
    const spentUsd = round(spent?.costUsd ?? 0);
    return { monthlyUsd, period, spentUsd, leftUsd: monthlyUsd === null ? null : round(Math.max(0, monthlyUsd - spentUsd)) };
  }

  /** Refuses a new submission (RATE_LIMITED) once the tenant has used up this month's budget. */
  async assertCanSubmit(tenantId: string): Promise<void> {
    const v = await this.view(tenantId);
    if (v.monthlyUsd !== null && v.spentUsd >= v.monthlyUsd) {
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `this tenant has spent ${usd(v.spentUsd)} of its monthly AI budget of ${usd(v.monthlyUsd)} for ${v.period}; new jobs are refused until the month ends or the budget is raised`,
      );
    }
  }

  /** Throws BudgetExceededError when the call would take the tenant past this month's budget. */
  async checkCall(tenantId: string, call: CallEstimate): Promise<void> {
    const v = await this.view(tenantId);
    if (v.monthlyUsd === null) return;
    if (call.costUsd === null) {
      throw new BudgetExceededError('the cost of the next AI call is unknown (its model has no price), so the tenant budget cannot be kept');
    }
    if (v.spentUsd + call.costUsd > v.monthlyUsd) {
      throw new BudgetExceededError(
        `the next AI call (about ${usd(call.costUsd)}) would take the tenant past its monthly budget of ${usd(v.monthlyUsd)} (${usd(v.spentUsd)} spent in ${v.period})`,
      );
    }
  }

  /** Adds a paid call to the tenant's month. */
  record(tenantId: string, usage: UsageDoc): Promise<void> {
    const write = this.writes.then(() =>
      this.repo.addSpend(tenantId, spendPeriod(this.now()), { costUsd: usage.costUsd ?? 0, tokens: usage.totalTokens }),
    );
    this.writes = write.catch(() => {});
    return write;
  }
}

const round = (n: number): number => Math.round(n * 1e9) / 1e9;
