/** `UpdateScheduleInput`: the argument of `Mutation.updateSchedule`; CreateScheduleInput's fields, each optional. */
import { Field, InputType } from 'type-graphql';
import { SubmitJobInput } from './submit-job.input.js';

@InputType('UpdateScheduleInput', { description: 'What to change; a field left out (or null) keeps its value. At least one is required.' })
export class UpdateScheduleInput {
  @Field(() => String, { nullable: true, description: '1 to 200 characters.' })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A new cron expression (5 fields, 6 with seconds first, or a macro such as @daily): the next tick becomes its first after now.',
  })
  cron?: string | null;

  @Field(() => String, { nullable: true, description: 'A new IANA time zone, e.g. Europe/Berlin: the next tick becomes the first after now in it.' })
  timezone?: string | null;

  @Field(() => SubmitJobInput, {
    nullable: true,
    description: 'Replaces, as a whole, the job each tick submits, from the next tick on; checked like createSchedule\'s. Leave idempotencyKey and runAt out.',
  })
  job?: SubmitJobInput | null;
}
