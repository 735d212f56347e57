/**
 * `chain`: one AI call per entry, in order. A prompt may use `{{variables.x}}` and
 * `{{steps.NAME}}` (an earlier step's output); `json: true` parses the output as JSON.
 * Result: `{ outputs: { NAME: output }, final }`.
 */
import type { ChatMessage } from '../../ai/index.js';
import { offlineNotice, type Pipeline, type PipelineLimits, type PipelineStep } from './kind.js';
import { anyJson, parseOrRepairJson } from './json-output.js';
import { malformedPlaceholders, renderTemplate, shadowsPrototype, templateRefs } from './template.js';

export interface ChainStepInput {
  name: string;
  prompt: string;
  system?: string;
  json?: boolean;
  model?: string;
  temperature?: number;
  maxOutputTokens?: number;
}

export interface ChainInput {
  steps: ChainStepInput[];
  variables?: Record<string, unknown>;
}

const STEP_NAME = '^[A-Za-z0-9_-]{1,64}$';

export const chainInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['steps'],
  properties: {
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'prompt'],
        properties: {
          name: { type: 'string', pattern: STEP_NAME, description: 'Unique within the chain; letters, digits, _ and -.' },
          prompt: { type: 'string', minLength: 1, description: 'May use {{variables.x}} and {{steps.NAME}}.' },
          system: { type: 'string' },
          json: { type: 'boolean', description: 'Ask for and parse a JSON object.' },
          model: { type: 'string', minLength: 1, description: "This step's model (one of the deployment's AI_MODELS); default: the job's." },
          temperature: { type: 'number', minimum: 0, maximum: 2, description: "This step's sampling temperature; default: the job's." },
          maxOutputTokens: { type: 'integer', minimum: 1, maximum: 1000000, description: "Cap on this step's answer in tokens; default: the job's." },
        },
      },
    },
    variables: { type: 'object', description: 'Values for {{variables.x}}.' },
  },
} as const;

function validateChain(input: ChainInput, limits: PipelineLimits): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  if (input.steps.length > limits.maxChainSteps) {
    problems.push([['steps'], `has ${input.steps.length} steps; at most ${limits.maxChainSteps} are accepted`]);
  }
  const seen = new Set<string>();
  input.steps.forEach((step, i) => {
    if (seen.has(step.name)) problems.push([['steps', i, 'name'], `"${step.name}" is used by an earlier step`]);
    if (shadowsPrototype(step.name)) problems.push([['steps', i, 'name'], `"${step.name}" is a reserved name (it shadows a built-in object property)`]);
    for (const field of ['prompt', 'system'] as const) {
      const text = step[field];
      if (text === undefined) continue;
      for (const bad of malformedPlaceholders(text)) {
        problems.push([['steps', i, field], `${bad} is not {{variables.NAME}} or {{steps.NAME}}`]);
      }
      for (const ref of templateRefs(text)) {
        if (ref.scope === 'steps' && !seen.has(ref.name)) {
          problems.push([['steps', i, field], `{{steps.${ref.name}}} does not name an earlier step`]);
        }
        if (ref.scope === 'variables' && !(input.variables && Object.hasOwn(input.variables, ref.name))) {
          problems.push([['steps', i, field], `{{variables.${ref.name}}} is not in variables`]);
        }
      }
    }
    seen.add(step.name);
  });
  return problems;
}

function chainStep(def: ChainStepInput): PipelineStep<ChainInput> {
  return {
    name: def.name,
    async run(ctx) {
      const variables = ctx.input.variables ?? {};
      const messages: ChatMessage[] = [];
      if (def.system) messages.push({ role: 'system', content: renderTemplate(def.system, variables, ctx.outputs) });
      const prompt = renderTemplate(def.prompt, variables, ctx.outputs);
      // JSON mode requires the word "JSON" in the messages (OpenAI rejects it otherwise).
      const content = def.json && !/json/i.test(prompt) ? `${prompt}\n\nAnswer with a JSON object.` : prompt;
      messages.push({ role: 'user', content });
      const answer = await ctx.complete('call', {
        messages,
        json: def.json === true,
        ...(def.model !== undefined ? { model: def.model } : {}),
        ...(def.temperature !== undefined ? { temperature: def.temperature } : {}),
        ...(def.maxOutputTokens !== undefined ? { maxTokens: def.maxOutputTokens } : {}),
      });
      if (!def.json) return answer.text;
      return parseOrRepairJson(ctx as never, 'call', answer.text, anyJson, 'a JSON object');
    },
  };
}

export const chainPipeline: Pipeline<ChainInput> = {
  kind: 'chain',
  description: 'A chain of prompts, one AI call per step; later prompts can use earlier outputs.',
  stepNames: ['one step per entry of input.steps'],
  inputSchema: chainInputSchema as unknown as Record<string, unknown>,
  validate: validateChain,
  options: ['model', 'temperature', 'maxOutputTokens', 'budget', 'steps[].model', 'steps[].temperature', 'steps[].maxOutputTokens'],
  requestedModels: (input) =>
    input.steps.flatMap((s, i): Array<[Array<string | number>, string]> => (s.model === undefined ? [] : [[['steps', i, 'model'], s.model]])),
  requestedOutputTokens: (input) =>
    input.steps.flatMap((s, i): Array<[Array<string | number>, number]> => (s.maxOutputTokens === undefined ? [] : [[['steps', i, 'maxOutputTokens'], s.maxOutputTokens]])),
  steps: (input) => input.steps.map(chainStep),
  result(outputs, input, meta) {
    const last = input.steps[input.steps.length - 1]!;
    return { outputs: { ...outputs }, final: outputs[last.name] ?? null, ...offlineNotice(meta) };
  },
};
