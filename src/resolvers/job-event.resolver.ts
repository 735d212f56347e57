/** JobEvent.job: the job as it stands now (scoped to the caller's tenant). */
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { notFound } from '../errors/index.js';
import { Job, JobEvent } from '../schema/index.js';
import type { GraphQLContext } from './context.js';
import { toJobObject, type JobObject } from './mappers.js';

@Resolver(() => JobEvent)
export class JobEventResolver {
  @FieldResolver(() => Job, { description: 'The job as it stands now.' })
  async job(@Root() event: JobEvent, @Ctx() ctx: GraphQLContext): Promise<JobObject> {
    const doc = await ctx.services.jobs.getJob(ctx.tenant._id, event.jobId);
    if (!doc) throw notFound('job', event.jobId);
    return toJobObject(doc);
  }
}
