/** `Usage`: AI calls and tokens spent (by a job, a step, a batch or a tenant). */
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('Usage')
export class Usage {
  @Field(() => Int, { description: 'AI calls made.' })
  calls!: number;

  @Field(() => Int, { description: 'Prompt tokens sent, cachedPromptTokens included.' })
  promptTokens!: number;

  @Field(() => Int)
  completionTokens!: number;

  @Field(() => Int)
  totalTokens!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Estimated from the configured price table; null when a model has no price.',
  })
  costUsd?: number | null;

  @Field(() => Int, {
    description: 'Answers reused from the response cache (a job submitted with cache: true): no AI call made, nothing paid, not counted in calls or tokens.',
  })
  cachedCalls!: number;

  @Field(() => Int, {
    description: "The part of promptTokens the provider served from its prompt cache, priced at the model's cached-input rate.",
  })
  cachedPromptTokens!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'What the same AI calls would have cost at the realtime (default-tier) rate, answers reused from the response cache included; null when a model has no price. Minus costUsd, it is what FLEX, BATCH and the cache saved.',
  })
  realtimeCostUsd?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'realtimeCostUsd minus costUsd: what FLEX, BATCH and the response cache saved. Null when either is unknown.',
  })
  savedUsd?: number | null;
}
