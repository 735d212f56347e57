/**
 * `JobEvent`: one numbered event in a job's history. The relational field `job`
 * is added by a resolver with `@FieldResolver`, not here.
 */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { AgentActivity } from './agent-activity.type.js';
import { JobEventType } from './enums.js';
import { JobStep } from './job-step.type.js';
import { Progress } from './progress.type.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType('JobEvent')
export class JobEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  jobId!: string;

  @Field(() => Int, { description: '1, 2, 3 … per job, with no gaps.' })
  sequence!: number;

  @Field(() => JobEventType)
  type!: JobEventType;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => JobStep, { nullable: true, description: 'The step this event is about, as it stood then.' })
  step?: JobStep | null;

  @Field(() => Progress, { description: "The job's progress as it stood then." })
  progress!: Progress;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => String, { nullable: true, description: "The job's trace id (OpenTelemetry) when this event was written; null while tracing is off." })
  traceId?: string | null;

  @Field(() => AgentActivity, { nullable: true, description: 'On a STEP_PROGRESS event of an agent (ctx.agent): the turn or tool call it reports; null otherwise.' })
  agent?: AgentActivity | null;
}
