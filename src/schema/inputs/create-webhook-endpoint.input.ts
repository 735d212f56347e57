/** `CreateWebhookEndpointInput`: the argument of `Mutation.createWebhookEndpoint`. */
import { Field, InputType } from 'type-graphql';

@InputType('CreateWebhookEndpointInput')
export class CreateWebhookEndpointInput {
  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Event types to send; all when omitted. See WebhookEndpoint.eventTypes.',
  })
  eventTypes?: string[] | null;
}
