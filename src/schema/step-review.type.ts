/** `StepReview` and `ReviewAnswer`: a step's human review (`ctx.review`, a chain step's or document.analyze's `review`) and its answer. */
import { Field, ObjectType } from 'type-graphql';
import { ReviewAnswerSource, ReviewDecision, ReviewTimeoutAction } from './enums.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

@ObjectType('ReviewAnswer', { description: 'An answer to a review: the decision, who gave it, when, and why.' })
export class ReviewAnswer {
  @Field(() => ReviewDecision)
  decision!: ReviewDecision;

  @Field(() => ReviewAnswerSource, { description: 'How the answer came: reviewJob with an API key or an access token, the callback URL, or the timeout.' })
  via!: ReviewAnswerSource;

  @Field(() => String, {
    nullable: true,
    description: "Which API key (the start of its id, as list-api-keys prints it) or access token (the start of its hash) answered; null for a callback URL or a timeout.",
  })
  by?: string | null;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => String, { nullable: true })
  comment?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: 'EDIT: the output the job went on with (it replaced the step\'s output); null otherwise.' })
  output?: unknown;
}

@ObjectType('StepReview', { description: "A person's review of a step's output before the job goes on." })
export class StepReview {
  @Field(() => String, { description: "The review's key within its step ('review' for the built-in kinds)." })
  key!: string;

  @Field(() => String, { nullable: true, description: 'What the reviewer should look for.' })
  instructions?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: 'The output to review.' })
  output?: unknown;

  @Field(() => DateTimeScalar)
  requestedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When an unanswered review takes its onTimeout; null: it waits however long it takes.' })
  expiresAt?: Date | null;

  @Field(() => ReviewTimeoutAction, { nullable: true, description: 'What it does when its timeout passes unanswered (REJECT unless the step said APPROVE); null without a timeout.' })
  onTimeout?: ReviewTimeoutAction | null;

  @Field(() => ReviewAnswer, { nullable: true, description: 'The answer; null while it waits.' })
  answer?: ReviewAnswer | null;
}
