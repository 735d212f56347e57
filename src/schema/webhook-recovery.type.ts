/**
 * `WebhookRecovery`: what `recoverWebhookDeliveries` did. The deliveries are
 * `WebhookDelivery` objects, whose `endpoint`, `job` and `attempts` come from resolvers.
 */
import { Field, Int, ObjectType } from 'type-graphql';
import { WebhookDelivery } from './webhook-delivery.type.js';
import { WebhookEndpoint } from './webhook-endpoint.type.js';

@ObjectType('WebhookRecovery', {
  description: 'The FAILED deliveries of one endpoint that recoverWebhookDeliveries sent again.',
})
export class WebhookRecovery {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field(() => Int, {
    description: 'How many deliveries were redelivered: all FAILED ones since the given time (0 when there were none).',
  })
  count!: number;

  @Field(() => [WebhookDelivery], {
    description:
      // 100 is RECOVERY_LIST_LIMIT of src/webhooks/recovery.ts (test/webhooks/recovery checks they agree).
      'The redelivered deliveries, oldest first, as they stand right after the call (PENDING). Only the first 100 ' +
      'are listed when count is larger; the others were redelivered all the same (see WebhookEndpoint.deliveries).',
  })
  deliveries!: WebhookDelivery[];
}
