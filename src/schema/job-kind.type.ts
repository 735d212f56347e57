/** `JobKind`: a pipeline this deployment runs, with its steps and input schema. */
import { Field, ObjectType } from 'type-graphql';
import { JobKindTool } from './job-kind-tool.type.js';
import { JSONScalar } from './scalars.js';

@ObjectType('JobKind')
export class JobKind {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => [String])
  steps!: string[];

  @Field(() => JSONScalar, { description: "JSON Schema of the kind's input." })
  inputSchema!: unknown;

  @Field(() => [String], {
    description:
      'The AI options this kind accepts: job-level ones on submission (model, temperature, maxOutputTokens, budget) and per-step ones inside the input, written steps[].model.',
  })
  options!: string[];

  @Field(() => [String], { description: 'The models a job may ask for (AI_MODELS).' })
  models!: string[];

  @Field(() => [JobKindTool], {
    description:
      "The tools a job of this kind may name: for the agent kind, those the operator registered (JOB_KINDS_MODULE's tools, MCP_SERVERS' tools as server.tool); empty for other kinds. Any other name is refused on submit (BAD_USER_INPUT).",
  })
  tools!: JobKindTool[];
}
