/**
 * The three subscriptions. Each `subscribe` checks the caller's tenant and returns an
 * async iterable from LiveJobs; the handler maps each payload to its GraphQL object.
 */
import { Arg, ID, Int, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { JobEventDoc } from '../db/jobs/index.js';
import { canSeeBatch, canSeeJob } from '../auth/access-scope.js';
import { notFound } from '../errors/index.js';
import type { BatchView } from '../jobs/index.js';
import { Batch, JobEvent } from '../schema/index.js';
import { assertTokenMaySubscribe } from './access-guard.middleware.js';
import type { GraphQLContext } from './context.js';
import { toBatch, toJobEvent, type BatchObject } from './mappers.js';

type Data<A> = SubscribeResolverData<unknown, A, GraphQLContext>;

function live(ctx: GraphQLContext) {
  if (!ctx.services.live) throw new Error('subscriptions are served by API processes only');
  return ctx.services.live;
}

@Resolver()
export class SubscriptionsResolver {
  @Subscription(() => JobEvent, {
    description:
      'Every event of one job, in order of sequence, ending after its terminal event. With afterSequence, the events after that sequence number that were already emitted are sent first, so a client that reconnects misses nothing.',
    subscribe: async ({ args, context }: Data<{ jobId: string; afterSequence?: number | null }>) => {
      if (context.access?.kind === 'token') {
        const doc = await context.services.jobs.getJob(context.tenant._id, args.jobId);
        if (!doc || !canSeeJob(context.access, { id: args.jobId, batchId: doc.batchId })) throw notFound('job', args.jobId);
      }
      return live(context).jobEvents(context.tenant._id, args.jobId, args.afterSequence);
    },
  })
  jobEvents(
    @Root() event: JobEventDoc,
    @Arg('jobId', () => ID) _jobId: string,
    @Arg('afterSequence', () => Int, { nullable: true }) _afterSequence?: number,
  ): JobEvent {
    return toJobEvent(event);
  }

  @Subscription(() => Batch, {
    description: 'The batch, each time one of its jobs changes status, until the batch completes.',
    subscribe: ({ args, context }: Data<{ batchId: string }>) => {
      if (!canSeeBatch(context.access, args.batchId)) throw notFound('batch', args.batchId);
      return live(context).batchProgress(context.tenant._id, args.batchId);
    },
  })
  batchProgress(@Root() view: BatchView, @Arg('batchId', () => ID) _batchId: string): BatchObject {
    return toBatch(view);
  }

  @Subscription(() => JobEvent, {
    description: 'Every job event of the calling tenant.',
    subscribe: ({ context }: Data<Record<string, never>>) => {
      assertTokenMaySubscribe(context, 'tenantJobEvents');
      return live(context).tenantJobEvents(context.tenant._id);
    },
  })
  tenantJobEvents(@Root() event: JobEventDoc): JobEvent {
    return toJobEvent(event);
  }
}
