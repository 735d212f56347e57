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
}
