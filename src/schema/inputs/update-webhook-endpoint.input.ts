/** `UpdateWebhookEndpointInput`: the argument of `Mutation.updateWebhookEndpoint`; omitted fields stay as they are. */
import { Field, InputType } from 'type-graphql';

@InputType('UpdateWebhookEndpointInput')
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Re-enabling an endpoint that was disabled for failures clears disabledReason.',
  })
  enabled?: boolean | null;
}
