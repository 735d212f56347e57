/** Job queries and mutations, and Job's relational fields (batch, events). */
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { assertCanSubmit, submitAllowance, canSeeBatch, canSeeJob, canUseFile, scopedIdempotencyKey } from '../auth/access-scope.js';
import type { JobStatusValue } from '../db/jobs/index.js';
import { Batch, Job, JobConnection, JobEvent, JobEventsArgs, JobFilter, PageArgs, SubmitJobInput } from '../schema/index.js';
import { docCursor, toConnection } from './connection.js';
import type { GraphQLContext } from './context.js';
import { toBatch, toJobEvent, toJobObject, type BatchObject, type JobObject } from './mappers.js';
import { jobListFields, toListedJob } from './job-list-fields.js';

@Resolver(() => Job)
export class JobResolver {
  @Query(() => Job, { nullable: true, description: 'The job, or null when it does not exist or belongs to another tenant.' })
  async job(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<JobObject | null> {
    const doc = await ctx.services.jobs.getJob(ctx.tenant._id, id);
    const job = doc ? toJobObject(doc) : null;
    return job && canSeeJob(ctx.access, job) ? job : null;
  }

  @Query(() => JobConnection, { description: "The tenant's jobs, newest first." })
  async jobs(
    @Arg('filter', () => JobFilter, { nullable: true }) filter: JobFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<JobConnection> {
    const result = await ctx.services.jobs.listJobs(
      ctx.tenant._id,
      {
        status: filter?.status ?? undefined,
        kind: filter?.kind ?? undefined,
        batchId: filter?.batchId ?? undefined,
        createdAfter: filter?.createdAfter ?? undefined,
        createdBefore: filter?.createdBefore ?? undefined,
      },
      page.first,
      page.after,
      jobListFields(info),
    );
    return toConnection(result, docCursor, (d) => toListedJob(d, toJobObject)) as JobConnection;
  }

  @Mutation(() => Job, {
    description:
      'Enqueues one job and returns at once. With an idempotencyKey that this tenant used before, returns the job made then and enqueues nothing; the same key with a different kind or input is a CONFLICT error.',
  })
  async submitJob(@Arg('input', () => SubmitJobInput) input: SubmitJobInput, @Ctx() ctx: GraphQLContext): Promise<JobObject> {
    await ctx.services.rateLimits?.take(ctx.tenant._id, 'submit');
    assertCanSubmit(ctx.access, input.kind);
    const idempotencyKey = scopedIdempotencyKey(ctx.access, input.idempotencyKey);
    const fileScope = (fileId: string) => canUseFile(ctx.access, fileId);
    const job = toJobObject(
      await ctx.services.jobs.submit(ctx.tenant._id, { ...input, idempotencyKey, requestId: ctx.requestId ?? null, deadline: ctx.request, fileScope, allowance: submitAllowance(ctx.access) }),
    );
    if (ctx.access?.kind === 'token') await ctx.services.accessTokens.widen(ctx.access, { jobId: job.id });
    return job;
  }

  @Mutation(() => Job, { description: 'Cancels a queued, running or retrying job; a running job stops within seconds.' })
  async cancelJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<JobObject> {
    return toJobObject(await ctx.services.jobs.cancel(ctx.tenant._id, id));
  }

  @Mutation(() => Job, { description: 'Runs a FAILED or CANCELLED job again, from its first step that did not succeed.' })
  async retryJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<JobObject> {
    return toJobObject(await ctx.services.jobs.retry(ctx.tenant._id, id));
  }

  @FieldResolver(() => Batch, { nullable: true })
  async batch(@Root() job: JobObject, @Ctx() ctx: GraphQLContext): Promise<BatchObject | null> {
    if (!job.batchId || !canSeeBatch(ctx.access, job.batchId)) return null;
    const view = await ctx.services.jobs.getBatch(ctx.tenant._id, job.batchId);
    return view ? toBatch(view) : null;
  }

  @FieldResolver(() => [JobEvent], { description: "The job's events in order, after afterSequence when given, at most limit of them." })
  async events(@Root() job: JobObject, @Args(() => JobEventsArgs) args: JobEventsArgs, @Ctx() ctx: GraphQLContext): Promise<JobEvent[]> {
    const docs = await ctx.services.jobs.events(ctx.tenant._id, job.id, args.afterSequence, args.limit);
    return docs.map(toJobEvent);
  }
}
