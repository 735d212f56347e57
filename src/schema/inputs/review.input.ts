/** `ReviewInput`: a review of a job's output before it is final (`AnalyzeDocumentsInput.review`). */
import { Field, InputType } from 'type-graphql';
import { ReviewTimeoutAction } from '../enums.js';

@InputType('ReviewInput', { description: 'Wait for a person to approve, edit or reject the output before the job goes on.' })
export class ReviewInput {
  @Field(() => String, { nullable: true, description: 'What the reviewer should look for.' })
  instructions?: string | null;

  @Field(() => String, { nullable: true, description: 'How long to wait for an answer, e.g. 90s, 2h, 3d (at most 366d); absent: it waits however long it takes.' })
  timeout?: string | null;

  @Field(() => ReviewTimeoutAction, { nullable: true, description: 'What an unanswered review does after its timeout; default REJECT.' })
  onTimeout?: ReviewTimeoutAction | null;
}
