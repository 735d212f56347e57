/** `Job.webhookDeliveries`: the webhook messages a job's terminal states produced. */
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Job, WebhookDelivery } from '../schema/index.js';
import type { GraphQLContext } from './context.js';
import { toWebhookDelivery } from './webhook-mappers.js';

@Resolver(() => Job)
export class JobWebhooksResolver {
  /** Newest first, at most 100 (one per endpoint and time the job finished). */
  @FieldResolver(() => [WebhookDelivery])
  async webhookDeliveries(@Root() job: Job, @Ctx() ctx: GraphQLContext): Promise<WebhookDelivery[]> {
    // Webhooks are the API key's business: a scoped access token sees none.
    if (ctx.access?.kind === 'token') return [];
    const docs = await ctx.services.webhooks.deliveries.listForJob(ctx.tenant._id, job.id);
    return docs.map(toWebhookDelivery);
  }
}
