/** `TenantBudget`: a tenant's monthly AI budget, what it spent this month and what is left. */
import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType('TenantBudget', { description: 'Set by an operator with `set-tenant-budget --tenant NAME --usd N`; months are UTC calendar months.' })
export class TenantBudget {
  @Field(() => Float, { nullable: true, description: 'The monthly limit in US dollars; null: no limit.' })
  monthlyUsd?: number | null;

  @Field(() => String, { description: 'The current period, e.g. 2026-11.' })
  period!: string;

  @Field(() => Float, { description: 'Spent on AI calls this period, by the price table.' })
  spentUsd!: number;

  @Field(() => Float, { nullable: true, description: 'What is left this period; null when there is no limit.' })
  leftUsd?: number | null;
}
