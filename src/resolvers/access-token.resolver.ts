/** `createAccessToken`: an API key mints a scoped, short-lived token for a browser. */
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { assertApiKey } from '../auth/access-scope.js';
import { AccessToken, CreateAccessTokenInput } from '../schema/index.js';
import type { GraphQLContext } from './context.js';

@Resolver(() => AccessToken)
export class AccessTokenResolver {
  @Mutation(() => AccessToken, {
    description:
      'Mints a bearer token that reads and subscribes to exactly the given jobs and batches (and submits the given kinds), for a browser that must not hold the API key.',
  })
  async createAccessToken(@Arg('input', () => CreateAccessTokenInput) input: CreateAccessTokenInput, @Ctx() ctx: GraphQLContext): Promise<AccessToken> {
    assertApiKey(ctx.access, 'createAccessToken');
    if (ctx.access?.kind !== 'key') throw new Error('the caller was not authenticated with a key');
    const kinds = ctx.services.jobs.kinds().map((k) => k.kind);
    const { token, expiresAt, doc } = await ctx.services.accessTokens.mint(ctx.tenant._id, ctx.access, input, kinds);
    const { allowance } = doc;
    return {
      token,
      expiresAt,
      jobIds: doc.jobIds,
      batchIds: doc.batchIds,
      submitKinds: doc.submitKinds,
      uploadFiles: doc.uploadFiles === true,
      models: [...allowance.models],
      maxPriority: allowance.maxPriority,
      maxAttempts: allowance.maxAttempts,
      maxOutputTokens: allowance.maxOutputTokens,
      budget: { ...allowance.budget },
    };
  }
}
