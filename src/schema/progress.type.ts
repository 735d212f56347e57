/** `Progress`: how far a job, a step or a batch has got. */
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('Progress')
export class Progress {
  @Field(() => Int)
  completed!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => Float, { description: '0 to 100.' })
  percent!: number;

  @Field(() => String, { nullable: true, description: "e.g. 'Summarising chunk 3 of 7'." })
  message?: string | null;
}
