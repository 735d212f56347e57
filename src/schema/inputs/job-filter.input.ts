/** `JobFilter`: narrows `Query.jobs`; every field is optional and they combine with AND. */
import { Field, ID, InputType } from 'type-graphql';
import { JobStatus } from '../enums.js';
import { DateTimeScalar } from '../scalars.js';

@InputType('JobFilter')
export class JobFilter {
  @Field(() => [JobStatus], { nullable: true })
  status?: JobStatus[] | null;

  @Field(() => String, { nullable: true })
  kind?: string | null;

  @Field(() => ID, { nullable: true })
  batchId?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createdAfter?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createdBefore?: Date | null;
}
