/**
 * `recoverWebhookDeliveries(endpointId: ID!, since: DateTime!)`: an args class, so that the
 * arguments print in this order (separate `@Arg` parameters print last one first).
 */
import { ArgsType, Field, ID } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

@ArgsType()
export class RecoverWebhookDeliveriesArgs {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => DateTimeScalar, {
    description: 'Deliveries created at or after this time are recovered; at most 30 days ago, not in the future.',
  })
  since!: Date;
}
