/** `JobStep`: one step of a job's pipeline, with its own status, progress and usage. */
import { Field, Int, ObjectType } from 'type-graphql';
import { StepStatus } from './enums.js';
import { JobError } from './job-error.type.js';
import { Progress } from './progress.type.js';
import { StepReview } from './step-review.type.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import { Usage } from './usage.type.js';

@ObjectType('JobStep')
export class JobStep {
  @Field(() => Int)
  index!: number;

  @Field(() => String)
  name!: string;

  @Field(() => StepStatus)
  status!: StepStatus;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => Progress, { nullable: true })
  progress?: Progress | null;

  @Field(() => Int, { description: 'How many times this step was started.' })
  attempts!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt?: Date | null;

  @Field(() => Int, { nullable: true })
  durationMs?: number | null;

  @Field(() => JSONScalar, { nullable: true })
  output?: unknown;

  @Field(() => JobError, { nullable: true })
  error?: JobError | null;

  @Field(() => Usage)
  usage!: Usage;

  @Field(() => String, { nullable: true, description: "The model that answered this step's last AI call, as the provider named it; null before any call." })
  model?: string | null;

  @Field(() => StepReview, { nullable: true, description: "The step's review, once it asked for one: what to review and, once answered, the answer." })
  review?: StepReview | null;
}
