/**
 * `WebhookDelivery`: one webhook message to one endpoint, with its attempts. The
 * relational fields `endpoint` and `job` are added by resolvers with
 * `@FieldResolver`, not here.
 */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { WebhookDeliveryStatus } from './enums.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import { WebhookAttempt } from './webhook-attempt.type.js';

@ObjectType('WebhookDelivery')
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    description: 'The webhook-id header: the same on every attempt and redelivery of this message.',
  })
  messageId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => JSONScalar, { description: 'The exact JSON body that is signed and sent.' })
  payload!: unknown;

  @Field(() => [WebhookAttempt])
  attempts!: WebhookAttempt[];

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  nextAttemptAt?: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  deliveredAt?: Date | null;
}
