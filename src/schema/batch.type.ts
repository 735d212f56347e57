/**
 * `Batch`: a group of jobs submitted together. The relational field
 * `jobs(status, first, after)` is added by a resolver with `@FieldResolver`
 * (see `BatchJobsArgs`), not here.
 */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { BatchStatus } from './enums.js';
import { Progress } from './progress.type.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import { Usage } from './usage.type.js';

@ObjectType('Batch')
export class Batch {
  @Field(() => ID)
  id!: string;

  @Field(() => BatchStatus)
  status!: BatchStatus;

  @Field(() => Int)
  total!: number;

  @Field(() => Int)
  queued!: number;

  @Field(() => Int)
  running!: number;

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  cancelled!: number;

  @Field(() => Int, {
    description:
      'Jobs of a CANCELLED batch not finished yet: their cancellation is under way (queued ones are cancelled in the background, running ones stop within seconds). 0 for a batch that is not cancelled.',
  })
  cancelling!: number;

  @Field(() => Progress, {
    description: "completed = finished jobs; message e.g. 'Analysed 23 of 50 documents'.",
  })
  progress!: Progress;

  @Field(() => Usage)
  usage!: Usage;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: unknown;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt?: Date | null;
}
