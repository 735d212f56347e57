/** `CreateScheduleInput`: the argument of `Mutation.createSchedule`. */
import { Field, InputType } from 'type-graphql';
import { SubmitJobInput } from './submit-job.input.js';

@InputType('CreateScheduleInput')
export class CreateScheduleInput {
  @Field(() => String, { description: '1 to 200 characters, e.g. "nightly ticket summary".' })
  name!: string;

  @Field(() => String, { description: '5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first (e.g. "*/5 * * * * *"), or a macro such as @daily.' })
  cron!: string;

  @Field(() => String, { nullable: true, description: 'An IANA time zone, e.g. Europe/Berlin; default UTC.' })
  timezone?: string | null;

  @Field(() => SubmitJobInput, {
    description: 'The job each tick submits, checked now like a submission. Leave idempotencyKey and runAt out: each tick submits with the key schedule:<id>:<tick>, so a tick is never submitted twice.',
  })
  job!: SubmitJobInput;
}
