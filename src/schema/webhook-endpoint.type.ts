/**
 * `WebhookEndpoint`: a URL that receives signed webhooks. The relational field
 * `deliveries(status, first, after)` is added by a resolver with `@FieldResolver`
 * (see `DeliveriesArgs`), not here. The signing secret is never a field.
 */
import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

@ObjectType('WebhookEndpoint')
export class WebhookEndpoint {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], {
    description: 'job.succeeded, job.failed, job.cancelled, job.review_requested, batch.completed, webhook.test.',
  })
  eventTypes!: string[];

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Why the dispatcher disabled it, e.g. after failing for days or answering 410 Gone.",
  })
  disabledReason?: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}
