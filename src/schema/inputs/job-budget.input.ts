/** `JobBudgetInput`: spending limits of one job, checked before every AI call. */
import { Field, Float, InputType, Int } from 'type-graphql';

@InputType('JobBudgetInput', {
  description:
    'Limits checked before every AI call against its estimated cost (the prompt plus maxOutputTokens, or 1024 answer tokens when unset). A call that would pass a limit is not made: the job fails with BUDGET_EXCEEDED, not retried.',
})
export class JobBudgetInput {
  @Field(() => Float, { nullable: true, description: "At most this many US dollars for the whole job, by the price table. Needs a priced model." })
  maxCostUsd?: number | null;

  @Field(() => Int, { nullable: true, description: 'At most this many tokens (prompt plus answer) for the whole job.' })
  maxTokens?: number | null;
}
