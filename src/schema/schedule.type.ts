/** `Schedule`: a recurring schedule that submits one job per tick. `recentJobs` is added by a resolver. */
import { Field, ID, ObjectType } from 'type-graphql';
import { ScheduleStatus } from './enums.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

@ObjectType('Schedule', { description: 'A recurring schedule: one job per tick of its cron expression, in its time zone.' })
export class Schedule {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: '5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, or a macro such as @daily.' })
  cron!: string;

  @Field(() => String, { description: 'The IANA time zone the cron expression is read in, e.g. Europe/Berlin.' })
  timezone!: string;

  @Field(() => ScheduleStatus)
  status!: ScheduleStatus;

  @Field(() => JSONScalar, { description: 'What each tick submits: the SubmitJobInput it was created with.' })
  job!: unknown;

  @Field(() => DateTimeScalar, { nullable: true, description: 'The next tick; null while paused.' })
  nextRunAt?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'The last tick that submitted (or tried to).' })
  lastRunAt?: Date | null;

  @Field(() => String, { nullable: true, description: "Why the last tick made no job (e.g. the tenant's monthly budget was used up); null when it made one." })
  lastError?: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}
