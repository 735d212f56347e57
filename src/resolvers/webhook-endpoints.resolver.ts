/**
 * Webhook endpoints: list, read, register, change, rotate the secret, delete, and each
 * endpoint's deliveries. Thin: the tenant comes from the context, the rules from the
 * webhooks domain. Another tenant's endpoint is null in queries and NOT_FOUND in mutations.
 */
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointInput,
  DeliveriesArgs,
  UpdateWebhookEndpointInput,
  WebhookDeliveryConnection,
  WebhookEndpoint,
} from '../schema/index.js';
import type { EndpointWithSecret } from '../webhooks/index.js';
import { docCursor, toConnection } from './connection.js';
import type { GraphQLContext } from './context.js';
import { toWebhookDelivery, toWebhookEndpoint } from './webhook-mappers.js';

function toCreated(result: EndpointWithSecret): CreatedWebhookEndpoint {
  return { endpoint: toWebhookEndpoint(result.endpoint), secret: result.secret, oldSecretExpiresAt: result.oldSecretExpiresAt };
}

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointsResolver {
  @Query(() => [WebhookEndpoint])
  async webhookEndpoints(@Ctx() ctx: GraphQLContext): Promise<WebhookEndpoint[]> {
    const docs = await ctx.services.webhooks.endpoints.list(ctx.tenant._id);
    return docs.map(toWebhookEndpoint);
  }

  @Query(() => WebhookEndpoint, { nullable: true })
  async webhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookEndpoint | null> {
    const doc = await ctx.services.webhooks.endpoints.find(ctx.tenant._id, id);
    return doc ? toWebhookEndpoint(doc) : null;
  }

  @Mutation(() => CreatedWebhookEndpoint, {
    description: 'Registers a URL to receive signed webhooks. The secret is returned here only.',
  })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedWebhookEndpoint> {
    return toCreated(await ctx.services.webhooks.endpoints.create(ctx.tenant._id, input));
  }

  @Mutation(() => WebhookEndpoint)
  async updateWebhookEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookEndpoint> {
    return toWebhookEndpoint(await ctx.services.webhooks.endpoints.update(ctx.tenant._id, id, input));
  }

  @Mutation(() => CreatedWebhookEndpoint, {
    description:
      'Issues a new signing secret. Deliveries are signed with both the old and the new\nsecret until oldSecretExpiresAt (24 hours by default).',
  })
  async rotateWebhookEndpointSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<CreatedWebhookEndpoint> {
    return toCreated(await ctx.services.webhooks.endpoints.rotateSecret(ctx.tenant._id, id));
  }

  @Mutation(() => Boolean)
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.webhooks.endpoints.delete(ctx.tenant._id, id);
  }

  /** Newest first; `after` is the endCursor of the previous page. */
  @FieldResolver(() => WebhookDeliveryConnection)
  async deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Args(() => DeliveriesArgs) args: DeliveriesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryConnection> {
    const page = await ctx.services.webhooks.deliveries.listForEndpoint(ctx.tenant._id, endpoint.id, args);
    return toConnection(page, docCursor, toWebhookDelivery) as WebhookDeliveryConnection;
  }
}
