/** `JobKindTool`: a tool a job of a kind may name (the `agent` kind's `tools`), as the operator registered it. */
import { Field, ObjectType } from 'type-graphql';
import { JSONScalar } from './scalars.js';

@ObjectType('JobKindTool', { description: "A tool an agent job may name in its input's tools: one of the kinds module's, or an MCP server's." })
export class JobKindTool {
  @Field(() => String, { description: "What a job names it by: the module tool's name, or server.tool for an MCP server's tool." })
  name!: string;

  @Field(() => String, { description: 'What the model is told the tool does.' })
  description!: string;

  @Field(() => JSONScalar, { description: "JSON Schema of the tool's arguments (the model's call is checked against it before the tool runs)." })
  parameters!: unknown;

  @Field(() => String, { nullable: true, description: 'The MCP server (MCP_SERVERS) the tool comes from; null for a tool of the kinds module (JOB_KINDS_MODULE).' })
  server?: string | null;
}
