/**
 * `agent`: a model that calls the tools the job names, chosen from those the operator
 * registered (a kinds module's `tools`, MCP servers' `server.tool`), until it answers.
 * It is `ctx.agent` over the API: one checkpoint per model turn and per tool call, so a
 * retried or resumed job never runs a finished tool call again nor pays a turn twice.
 * Result: `{ text, turns, toolCalls: [{ name, args, result, error?, turn }] }`.
 */
import { MAX_AGENT_TURNS, type AgentResult, type ToolRegistry } from '../agents/index.js';
import { InvalidJobInputError, offlineNotice, type Pipeline } from './kind.js';

export interface AgentKindInput {
  prompt: string;
  system?: string;
  tools: string[];
  maxTurns?: number;
}

/** Model turns when the input gives none. */
export const DEFAULT_AGENT_TURNS = 10;
/** Chat Completions accepts at most this many tools in one request. */
const MAX_TOOLS = 128;

export const agentInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['prompt', 'tools'],
  properties: {
    prompt: { type: 'string', minLength: 1, description: "The user's request." },
    system: { type: 'string', description: 'The system message: who the agent is and how it works.' },
    tools: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_TOOLS,
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: "The tools the model may call, by name: a kinds module's tool, or an MCP server's as server.tool (jobKinds lists them).",
    },
    maxTurns: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_AGENT_TURNS,
      description: `Model turns allowed (default ${DEFAULT_AGENT_TURNS}); a model still calling tools on the last one fails the job with AGENT_MAX_TURNS.`,
    },
  },
} as const;

export function agentPipeline(registry: ToolRegistry): Pipeline<AgentKindInput> {
  return {
    kind: 'agent',
    description: 'A model that calls the tools the job names (registered by the operator) until it answers; each turn and each tool call is checkpointed.',
    stepNames: ['agent'],
    inputSchema: agentInputSchema as unknown as Record<string, unknown>,
    // The schema checks the shape; whether each name is registered is the registry's to say, naming the tool.
    validate: (input) => registry.refusals(input.tools).map(([i, problem]): [Array<string | number>, string] => [['tools', i], problem]),
    options: ['model', 'temperature', 'maxOutputTokens', 'budget'],
    tools: () => registry.list(),
    steps: () => [
      {
        name: 'agent',
        async run(ctx) {
          const { prompt, system, maxTurns } = ctx.input;
          const { tools, missing } = await registry.resolve(ctx.input.tools);
          if (missing.length > 0) {
            throw new InvalidJobInputError(`tools: ${missing.map((n) => `"${n}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} no longer registered`);
          }
          return ctx.agent('agent', { prompt, ...(system ? { system } : {}), tools, maxTurns: maxTurns ?? DEFAULT_AGENT_TURNS });
        },
      },
    ],
    result(outputs, _input, meta) {
      return { ...(outputs['agent'] as AgentResult), ...offlineNotice(meta) };
    },
  };
}
