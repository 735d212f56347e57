/** `viewer`: the tenant that the request's API key belongs to. */
import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Tenant, Usage } from '../schema/index.js';
import type { GraphQLContext } from './context.js';
import { toUsage } from './mappers.js';

@Resolver(() => Tenant)
export class ViewerResolver {
  @Query(() => Tenant, { description: 'The tenant that the request\'s API key belongs to.' })
  viewer(@Ctx() ctx: GraphQLContext): Tenant {
    return { id: ctx.tenant._id, name: ctx.tenant.name } as Tenant;
  }

  @FieldResolver(() => Usage)
  async usage(@Root() tenant: Tenant, @Ctx() ctx: GraphQLContext): Promise<Usage> {
    return toUsage(await ctx.services.jobs.tenantUsage(tenant.id));
  }
}
