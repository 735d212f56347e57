/** Batch queries and mutations, and Batch's relational fields (jobs, usage). */
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { assertCanSubmit, submitAllowance, canSeeBatch, canUseFile, scopedIdempotencyKey } from '../auth/access-scope.js';
import type { JobStatusValue } from '../db/jobs/index.js';
import { AnalyzeDocumentsInput, Batch, BatchConnection, BatchJobsArgs, JobConnection, PageArgs, Usage } from '../schema/index.js';
import { docCursor, toConnection } from './connection.js';
import type { GraphQLContext } from './context.js';
import { toBatch, toJobObject, toUsage, type BatchObject } from './mappers.js';
import { jobListFields, toListedJob } from './job-list-fields.js';

@Resolver(() => Batch)
export class BatchResolver {
  @Query(() => Batch, { nullable: true, description: 'The batch, or null when it does not exist or belongs to another tenant.' })
  async batch(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<BatchObject | null> {
    if (!canSeeBatch(ctx.access, id)) return null;
    const view = await ctx.services.jobs.getBatch(ctx.tenant._id, id);
    return view ? toBatch(view) : null;
  }

  @Query(() => BatchConnection, { description: "The tenant's batches, newest first." })
  async batches(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<BatchConnection> {
    const result = await ctx.services.jobs.listBatches(ctx.tenant._id, page.first, page.after);
    return toConnection(result, (v) => docCursor(v.doc), toBatch) as BatchConnection;
  }

  @Mutation(() => Batch, {
    description: 'Enqueues one `document.analyze` job per document, grouped in a batch, and returns at once. Idempotent by idempotencyKey like submitJob.',
  })
  async analyzeDocuments(@Arg('input', () => AnalyzeDocumentsInput) input: AnalyzeDocumentsInput, @Ctx() ctx: GraphQLContext): Promise<BatchObject> {
    await ctx.services.rateLimits?.take(ctx.tenant._id, 'submit');
    assertCanSubmit(ctx.access, 'document.analyze');
    const idempotencyKey = scopedIdempotencyKey(ctx.access, input.idempotencyKey);
    const fileScope = (fileId: string) => canUseFile(ctx.access, fileId);
    const batch = toBatch(
      await ctx.services.jobs.analyzeDocuments(ctx.tenant._id, { ...input, idempotencyKey, requestId: ctx.requestId ?? null, deadline: ctx.request, fileScope, allowance: submitAllowance(ctx.access) }),
    );
    if (ctx.access?.kind === 'token') await ctx.services.accessTokens.widen(ctx.access, { batchId: batch.id });
    return batch;
  }

  @Mutation(() => Batch, {
    description:
      'Cancels every job of the batch that has not finished. The batch is CANCELLED at once; jobs the request has no time left for are cancelled in the background, and `cancelling` counts them.',
  })
  async cancelBatch(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<BatchObject> {
    return toBatch(await ctx.services.jobs.cancelBatch(ctx.tenant._id, id, ctx.request));
  }

  @FieldResolver(() => JobConnection)
  async jobs(@Root() batch: BatchObject, @Args(() => BatchJobsArgs) args: BatchJobsArgs, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo): Promise<JobConnection> {
    const page = await ctx.services.jobs.batchJobs(ctx.tenant._id, batch.id, args.status, args.first, args.after, jobListFields(info));
    return toConnection(page, docCursor, (d) => toListedJob(d, toJobObject)) as JobConnection;
  }

  @FieldResolver(() => Usage)
  async usage(@Root() batch: BatchObject, @Ctx() ctx: GraphQLContext): Promise<Usage> {
    return toUsage(await ctx.services.jobs.batchUsage(batch.id));
  }
}
