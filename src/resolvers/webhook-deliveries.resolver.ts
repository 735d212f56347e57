/**
 * Webhook deliveries: read one, send a test, redeliver one, recover an endpoint's failed
 * ones after an outage, and a delivery's attempts,
 * endpoint and job. Another tenant's delivery is null in `webhookDelivery` and NOT_FOUND
 * in mutations.
 */
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AppError, ErrorCode } from '../errors/index.js';
import {
  Job,
  RecoverWebhookDeliveriesArgs,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookRecovery,
} from '../schema/index.js';
import { RECOVERY_LIST_LIMIT, RECOVERY_WINDOW_DAYS } from '../webhooks/index.js';
import type { GraphQLContext } from './context.js';
import { toJobObject } from './mappers.js';
import { toWebhookAttempt, toWebhookDelivery, toWebhookEndpoint, type WebhookDeliveryObject } from './webhook-mappers.js';

@Resolver(() => WebhookDelivery)
export class WebhookDeliveriesResolver {
  @Query(() => WebhookDelivery, { nullable: true })
  async webhookDelivery(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDelivery | null> {
    const doc = await ctx.services.webhooks.deliveries.find(ctx.tenant._id, id);
    return doc ? toWebhookDelivery(doc) : null;
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Sends a `webhook.test` event to the endpoint through the normal delivery path.',
  })
  async sendTestWebhook(@Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDelivery> {
    await ctx.services.rateLimits?.take(ctx.tenant._id, 'webhook-send');
    const { endpoints, outbox } = ctx.services.webhooks;
    const endpoint = await endpoints.get(ctx.tenant._id, endpointId);
    return toWebhookDelivery(await outbox.sendTest(endpoint));
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Delivers the same message (same webhook-id) again, with a fresh retry schedule.',
  })
  async redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDelivery> {
    await ctx.services.rateLimits?.take(ctx.tenant._id, 'webhook-send');
    const { deliveries, outbox } = ctx.services.webhooks;
    const delivery = await deliveries.get(ctx.tenant._id, deliveryId);
    return toWebhookDelivery(await outbox.redeliver(delivery));
  }

  @Mutation(() => WebhookRecovery, {
    description: [
      'Recovery after an outage of the receiver: redelivers every FAILED delivery of the endpoint',
      'created at or after `since`, oldest first, each exactly as redeliverWebhook does (same message',
      'and webhook-id, a fresh retry schedule). They are sent in that order; with more than one request',
      'in flight per endpoint they may arrive slightly out of it.',
      'Only FAILED deliveries are touched: one already PENDING again (e.g. from an earlier call) or',
      'SUCCEEDED is skipped, so calling this twice does not send a message twice.',
      `\`since\` must not be in the future nor more than ${RECOVERY_WINDOW_DAYS} days ago (BAD_USER_INPUT).`,
      'A disabled endpoint is a CONFLICT: re-enable it with updateWebhookEndpoint first.',
      `Returns how many were redelivered and the first ${RECOVERY_LIST_LIMIT} of them.`,
    ].join('\n'),
  })
  async recoverWebhookDeliveries(
    @Args(() => RecoverWebhookDeliveriesArgs) { endpointId, since }: RecoverWebhookDeliveriesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookRecovery> {
    await ctx.services.rateLimits?.take(ctx.tenant._id, 'webhook-send');
    const { endpoints, outbox } = ctx.services.webhooks;
    const endpoint = await endpoints.get(ctx.tenant._id, endpointId);
    const recovery = await outbox.recover(endpoint, since);
    return {
      endpoint: toWebhookEndpoint(recovery.endpoint),
      count: recovery.count,
      deliveries: recovery.deliveries.map(toWebhookDelivery),
    };
  }

  @FieldResolver(() => [WebhookAttempt])
  async attempts(@Root() delivery: WebhookDelivery, @Ctx() ctx: GraphQLContext): Promise<WebhookAttempt[]> {
    const rows = await ctx.services.webhooks.deliveries.attempts(delivery.id);
    return rows.map(toWebhookAttempt);
  }

  @FieldResolver(() => WebhookEndpoint)
  async endpoint(@Root() delivery: WebhookDelivery, @Ctx() ctx: GraphQLContext): Promise<WebhookEndpoint> {
    const { endpointId } = delivery as WebhookDeliveryObject;
    // A deleted endpoint is still shown here: the delivery happened (or failed) to it.
    const doc = await ctx.services.webhooks.endpoints.findIncludingDeleted(ctx.tenant._id, endpointId);
    if (!doc) throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `endpoint ${endpointId} of delivery ${delivery.id} is missing`);
    return toWebhookEndpoint(doc);
  }

  @FieldResolver(() => Job, { nullable: true })
  async job(@Root() delivery: WebhookDelivery, @Ctx() ctx: GraphQLContext): Promise<Job | null> {
    const { jobId } = delivery as WebhookDeliveryObject;
    if (jobId === null) return null;
    const doc = await ctx.services.webhooks.deliveries.job(ctx.tenant._id, jobId);
    return doc ? toJobObject(doc) : null;
  }
}
