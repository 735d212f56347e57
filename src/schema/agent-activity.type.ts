/** `AgentActivity`: one model turn or tool call of an agent (`ctx.agent`), carried by its STEP_PROGRESS event. */
import { Field, Int, ObjectType } from 'type-graphql';
import { JSONScalar } from './scalars.js';

@ObjectType('AgentActivity', { description: 'One model turn or tool call of an agent run inside a step.' })
export class AgentActivity {
  @Field(() => String, { description: 'The agent\'s key within its step (ctx.agent(key, …)).' })
  agent!: string;

  @Field(() => Int, { description: 'The model turn, 1, 2, 3 …' })
  turn!: number;

  @Field(() => String, { description: '`turn`: the model answered (calling tools or not); `tool`: a tool call finished.' })
  phase!: string;

  @Field(() => String, { nullable: true, description: 'The tool called (phase `tool`).' })
  tool?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: 'The arguments the model gave (a long value is cut to a string of its start).' })
  arguments?: unknown;

  @Field(() => JSONScalar, { nullable: true, description: 'What the tool returned (a long value is cut to a string of its start).' })
  result?: unknown;

  @Field(() => String, { nullable: true, description: 'Why the call failed: invalid arguments, an unknown tool, a throw or its time limit (AGENT_TOOL_TIMEOUT). The model is told.' })
  error?: string | null;

  @Field(() => Int, { nullable: true, description: 'How long the model turn or the tool call took.' })
  durationMs?: number | null;
}
