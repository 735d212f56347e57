/** `AnalyzeDocumentsInput`: the argument of `Mutation.analyzeDocuments`. */
import { Field, InputType } from 'type-graphql';
import { JSONScalar } from '../scalars.js';
import { DocumentInput } from './document.input.js';

@InputType('AnalyzeDocumentsInput')
export class AnalyzeDocumentsInput {
  @Field(() => [DocumentInput])
  documents!: DocumentInput[];

  @Field(() => String, {
    nullable: true,
    description: "Extra instructions for the analysis, e.g. 'focus on risks'.",
  })
  instructions?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: unknown;
}
