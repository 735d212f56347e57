/** `Tenant.budget`: the tenant's monthly AI budget, spent this month and left. */
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Tenant, TenantBudget } from '../schema/index.js';
import type { GraphQLContext } from './context.js';

@Resolver(() => Tenant)
export class TenantBudgetResolver {
  @FieldResolver(() => TenantBudget, {
    description: 'The monthly AI budget: a job whose next call would pass it fails with BUDGET_EXCEEDED; once used up, new submissions are refused (RATE_LIMITED).',
  })
  async budget(@Root() tenant: Tenant, @Ctx() ctx: GraphQLContext): Promise<TenantBudget> {
    const view = await ctx.services.jobs.tenantBudget(tenant.id);
    return view ?? { monthlyUsd: null, period: new Date().toISOString().slice(0, 7), spentUsd: 0, leftUsd: null };
  }
}
