/** `Usage`: AI calls and tokens spent (by a job, a step, a batch or a tenant). */
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('Usage')
export class Usage {
  @Field(() => Int, { description: 'AI calls made.' })
  calls!: number;

  @Field(() => Int)
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
}
