/** `jobOutput`: a running job's AI answers as they are written, from any worker process. */
import { Arg, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { canSeeJob } from '../auth/access-scope.js';
import { notFound } from '../errors/index.js';
import type { JobOutputChunk } from '../jobs/index.js';
import { JobOutput } from '../schema/index.js';
import type { GraphQLContext } from './context.js';

type Data<A> = SubscribeResolverData<unknown, A, GraphQLContext>;

@Resolver()
export class JobOutputResolver {
  @Subscription(() => JobOutput, {
    description:
      "The text of the job's AI calls while the model writes it, call after call, ending when the job has finished. A subscriber joining mid-call first gets the text so far. Another tenant's job is NOT_FOUND.",
    subscribe: async ({ args, context }: Data<{ jobId: string }>) => {
      if (!context.services.output) throw new Error('subscriptions are served by API processes only');
      if (context.access?.kind === 'token') {
        const doc = await context.services.jobs.getJob(context.tenant._id, args.jobId);
        if (!doc || !canSeeJob(context.access, { id: args.jobId, batchId: doc.batchId })) throw notFound('job', args.jobId);
      }
      return context.services.output.subscribe(context.tenant._id, args.jobId);
    },
  })
  jobOutput(@Root() chunk: JobOutputChunk, @Arg('jobId', () => ID) _jobId: string): JobOutput {
    return chunk;
  }
}
