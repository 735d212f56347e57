/** `ReviewJobInput`: the argument of `Mutation.reviewJob`. */
import { Field, ID, InputType } from 'type-graphql';
import { ReviewDecision } from '../enums.js';
import { JSONScalar } from '../scalars.js';

@InputType('ReviewJobInput')
export class ReviewJobInput {
  @Field(() => ID)
  jobId!: string;

  @Field(() => String, { description: 'The name of the step whose output is reviewed (a chain step with `review`; `review` for document.analyze).' })
  step!: string;

  @Field(() => String, {
    nullable: true,
    description: "The review's key within the step, for a kind in code that asks more than one (ctx.review(key, …)); default: the step's open review, else 'review'.",
  })
  key?: string | null;

  @Field(() => ReviewDecision)
  decision!: ReviewDecision;

  @Field(() => JSONScalar, { nullable: true, description: 'With EDIT (and only then): the output to go on with, replacing the step\'s output before any later step uses it.' })
  output?: unknown;

  @Field(() => String, { nullable: true, description: 'Why; stored with the answer and shown in events (at most 4,000 characters).' })
  comment?: string | null;
}
