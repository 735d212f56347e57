/**
 * Tenants' monthly AI budgets, one document per tenant by `_id`. Spending is kept in the
 * spend ledger (spend-ledger.repository); `tenant_spend` holds what versions before the
 * ledger counted with `$inc`, read once as a month's starting point and never written.
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

  /** What a version before the ledger counted for the month, if anything. */
  async spent(tenantId: string, period: string): Promise<TenantSpendDoc | null> {
    return this.spend.findOne({ _id: `${tenantId}:${period}` });
  }
}
