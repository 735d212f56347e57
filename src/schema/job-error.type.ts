/** `JobError`: why a job or one of its steps failed. */
import { Field, ObjectType } from 'type-graphql';
import { JobErrorCode } from './enums.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType('JobError')
export class JobError {
  @Field(() => JobErrorCode)
  code!: JobErrorCode;

  @Field(() => String)
  message!: string;

  @Field(() => Boolean)
  retryable!: boolean;

  @Field(() => String, { nullable: true, description: 'The step that failed, when one did.' })
  step?: string | null;

  @Field(() => DateTimeScalar)
  at!: Date;
}
