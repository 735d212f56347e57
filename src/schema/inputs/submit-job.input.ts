/** `SubmitJobInput`: the argument of `Mutation.submitJob`. */
import { Field, InputType, Int } from 'type-graphql';
import { JSONScalar } from '../scalars.js';

@InputType('SubmitJobInput')
export class SubmitJobInput {
  @Field(() => String)
  kind!: string;

  @Field(() => JSONScalar)
  input!: unknown;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;

  @Field(() => Int, { nullable: true, description: 'Higher runs first; default 0.' })
  priority?: number | null;

  @Field(() => Int, { nullable: true, description: 'Whole-job attempts; default 3.' })
  maxAttempts?: number | null;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: unknown;
}
