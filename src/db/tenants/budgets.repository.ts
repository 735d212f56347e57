/**
 * Tenants' monthly AI budgets and what each has spent per month. Both are single
 * documents read and written by `_id` only: spending is kept here as calls are paid
 * for, never summed from the jobs.
 */
import type { Collection, Db } from 'mongodb';

export interface TenantBudgetDoc {
  /** The tenant id. */
  _id: string;
  monthlyUsd: number;
  updatedAt: Date;
}

export interface TenantSpendDoc {
  /** `${tenantId}:${period}`, the period being the UTC month `YYYY-MM`. */
  _id: string;
  tenantId: string;
  period: string;
  costUsd: number;
  tokens: number;
  calls: number;
  updatedAt: Date;
}

/** The UTC calendar month of `at`, e.g. `2026-11`. */
export const spendPeriod = (at: Date): string => at.toISOString().slice(0, 7);

export class TenantBudgetsRepository {
  private readonly budgets: Collection<TenantBudgetDoc>;
  private readonly spend: Collection<TenantSpendDoc>;

  constructor(db: Db) {
    this.budgets = db.collection<TenantBudgetDoc>('tenant_budgets');
    this.spend = db.collection<TenantSpendDoc>('tenant_spend');
  }

  /** Sets (or, with null, removes) the tenant's monthly budget in USD. */
  async setMonthlyUsd(tenantId: string, usd: number | null): Promise<void> {
    if (usd === null) {
      await this.budgets.deleteOne({ _id: tenantId });
      return;
    }
    await this.budgets.replaceOne({ _id: tenantId }, { monthlyUsd: usd, updatedAt: new Date() }, { upsert: true });
  }

  async monthlyUsd(tenantId: string): Promise<number | null> {
    return (await this.budgets.findOne({ _id: tenantId }))?.monthlyUsd ?? null;
  }

  async spent(tenantId: string, period: string): Promise<TenantSpendDoc | null> {
    return this.spend.findOne({ _id: `${tenantId}:${period}` });
  }

  /**
   * Adds one call's spending. `$inc` is atomic on MongoDB; FerretDB applies it as read
   * then write, so callers in one process serialise their calls (see budget-guard).
   */
  async addSpend(tenantId: string, period: string, add: { costUsd: number; tokens: number }): Promise<void> {
    await this.spend.updateOne(
      { _id: `${tenantId}:${period}` },
      {
        $inc: { costUsd: add.costUsd, tokens: add.tokens, calls: 1 },
        $set: { updatedAt: new Date() },
        $setOnInsert: { tenantId, period },
      },
      { upsert: true },
    );
  }
}
