/** `JobOutput`: a piece of a running step's AI answer, streamed as the model writes it. */
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('JobOutput', {
  description:
    "Live text of a job's current AI call. Pieces are gathered and sent a few times a second; `text` is always the call's whole text so far, so a client may show `text` and ignore `delta`. The finished answer is stored with the step as usual.",
})
export class JobOutput {
  @Field(() => ID)
  jobId!: string;

  @Field(() => String, { description: 'The step making the call.' })
  step!: string;

  @Field(() => String, { description: 'Which call of the step (e.g. `call`, `chunk/3`): a step may make several.' })
  call!: string;

  @Field(() => Int, { description: 'Grows with each write of this call.' })
  chunk!: number;

  @Field(() => String, { description: 'Text this subscriber has not received before; a late subscriber first gets the text so far.' })
  delta!: string;

  @Field(() => String, { description: "The call's whole text so far." })
  text!: string;

  @Field(() => Boolean, { description: 'True on the last piece of this call: `text` is its complete answer.' })
  done!: boolean;
}
