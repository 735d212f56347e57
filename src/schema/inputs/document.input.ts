/** `DocumentInput`: one named text document of `AnalyzeDocumentsInput`. */
import { Field, InputType } from 'type-graphql';

@InputType('DocumentInput')
export class DocumentInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  text!: string;
}
