/** `CreatedWebhookEndpoint`: an endpoint with its signing secret, shown once. */
import { Field, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';
import { WebhookEndpoint } from './webhook-endpoint.type.js';

@ObjectType('CreatedWebhookEndpoint')
export class CreatedWebhookEndpoint {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field(() => String, { description: 'whsec_ followed by base64: shown once, store it.' })
  secret!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the previous secret stops being used to sign (after a rotation).',
  })
  oldSecretExpiresAt?: Date | null;
}
