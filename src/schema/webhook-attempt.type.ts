/** `WebhookAttempt`: one HTTP attempt to deliver a webhook message. */
import { Field, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

@ObjectType('WebhookAttempt')
export class WebhookAttempt {
  @Field(() => Int)
  number!: number;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => Int, { nullable: true, description: 'The HTTP status, or null when no response came.' })
  statusCode?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why it failed: timeout, connection refused, non-2xx, blocked address …',
  })
  error?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The start of the response body (at most 1 KiB).',
  })
  responseBody?: string | null;
}
