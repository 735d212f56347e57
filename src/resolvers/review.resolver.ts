/** reviewJob, and StepReview.callbackUrl. */
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { canSeeJob } from '../auth/access-scope.js';
import { notFound } from '../errors/index.js';
import { Job, ReviewJobInput, StepReview } from '../schema/index.js';
import type { GraphQLContext } from './context.js';
import { toJobObject, type JobObject, type StepReviewObject } from './mappers.js';

@Resolver(() => StepReview)
export class ReviewResolver {
  @Mutation(() => Job, {
    description:
      "Answers the review of a job's step: APPROVE, EDIT (with `output`, which replaces the step's output) or REJECT (the job fails with REVIEW_REJECTED). Who answered, when, the decision and the comment are stored on the step (JobStep.review.answer). A second answer to one review is a CONFLICT; an answer for a step the job has not reached yet is kept and used when it gets there.",
  })
  async reviewJob(@Arg('input', () => ReviewJobInput) input: ReviewJobInput, @Ctx() ctx: GraphQLContext): Promise<JobObject> {
    const { access } = ctx;
    // A scoped access token answers reviews of its own jobs only (a browser approving its user's draft).
    if (access?.kind === 'token') {
      const job = await ctx.services.jobs.getJob(ctx.tenant._id, input.jobId);
      if (!job || !canSeeJob(access, { id: job._id, batchId: job.batchId })) throw notFound('job', input.jobId);
    }
    const reviewer = access?.kind === 'token' ? { via: 'ACCESS_TOKEN' as const, by: access.tokenHash.slice(0, 16) } : { via: 'API_KEY' as const, by: access?.keyHash.slice(0, 16) ?? 'unknown' };
    ctx.request?.commit();
    return toJobObject(await ctx.services.jobs.review(ctx.tenant._id, input, reviewer));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "While the review waits for its answer: the URL that answers it with a POST of JSON { decision, output?, comment? } and no API key (for a Slack or e-mail button); valid for this review only, until it is answered or times out. Null once answered, and for an access token's requests.",
  })
  callbackUrl(@Root() review: StepReviewObject, @Ctx() ctx: GraphQLContext): string | null {
    if (review.answer || ctx.access?.kind === 'token') return null;
    if (review.expiresAt && review.expiresAt.getTime() <= Date.now()) return null;
    return ctx.services.jobs.reviewCallbackUrl(review.jobId, review.stepName, review.doc);
  }
}
