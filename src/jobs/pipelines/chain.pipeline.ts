/**
 * `chain`: one AI call per entry, in order. A prompt may use `{{variables.x}}`,
 * `{{steps.NAME}}` (an earlier step's output) and `{{files.NAME}}` (the text of a file named
 * in `files`, read by a first step `read`); `json: true` parses the output as JSON; a step
 * with `review` waits for a person to approve, edit or reject its output before any later
 * step uses it. Result: `{ outputs: { NAME: output }, final }`, and `files` (what was read)
 * when it read any.
 */
import type { ChatMessage } from '../../ai/index.js';
import { offlineNotice, type Pipeline, type PipelineLimits, type PipelineStep } from './kind.js';
import { anyJson, parseOrRepairJson } from './json-output.js';
import { malformedPlaceholders, renderTemplate, shadowsPrototype, templateRefs } from './template.js';
import { fileRefSchema, type FileRef, type ReadFile } from './files.js';
import { fileFacts, READ_STEP, readFilesStep } from './read-step.js';
import { DEFAULT_REVIEW_KEY, reviewOptionProblems, reviewOptionsSchema, reviewRequestOf, type ReviewOptions } from './review-options.js';

export interface ChainStepInput {
  name: string;
  prompt: string;
  system?: string;
  json?: boolean;
  model?: string;
  temperature?: number;
  maxOutputTokens?: number;
  review?: ReviewOptions;
}

export interface ChainInput {
  steps: ChainStepInput[];
  variables?: Record<string, unknown>;
  /** Files by name, read by a first step `read`; a prompt uses one as `{{files.NAME}}`. */
  files?: Record<string, FileRef>;
}

const STEP_NAME = '^[A-Za-z0-9_-]{1,64}$';
/** Files one chain may read. */
export const MAX_CHAIN_FILES = 20;

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
          prompt: { type: 'string', minLength: 1, description: 'May use {{variables.x}}, {{steps.NAME}} and {{files.NAME}}.' },
          system: { type: 'string' },
          json: { type: 'boolean', description: 'Ask for and parse a JSON object.' },
          model: { type: 'string', minLength: 1, description: "This step's model (one of the deployment's AI_MODELS); default: the job's." },
          temperature: { type: 'number', minimum: 0, maximum: 2, description: "This step's sampling temperature; default: the job's." },
          maxOutputTokens: { type: 'integer', minimum: 1, maximum: 1000000, description: "Cap on this step's answer in tokens; default: the job's." },
          review: reviewOptionsSchema,
        },
      },
    },
    variables: { type: 'object', description: 'Values for {{variables.x}}.' },
    files: {
      type: 'object',
      maxProperties: MAX_CHAIN_FILES,
      propertyNames: { pattern: STEP_NAME },
      additionalProperties: fileRefSchema,
      description: 'Files by name (letters, digits, _ and -), read by a first step `read`; a prompt uses one as {{files.NAME}}.',
    },
  },
} as const;

function validateChain(input: ChainInput, limits: PipelineLimits): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  if (input.steps.length > limits.maxChainSteps) {
    problems.push([['steps'], `has ${input.steps.length} steps; at most ${limits.maxChainSteps} are accepted`]);
  }
  for (const name of Object.keys(input.files ?? {})) {
    if (shadowsPrototype(name)) problems.push([['files', name], `"${name}" is a reserved name (it shadows a built-in object property)`]);
  }
  const seen = new Set<string>();
  const readsFiles = hasFiles(input);
  input.steps.forEach((step, i) => {
    if (seen.has(step.name)) problems.push([['steps', i, 'name'], `"${step.name}" is used by an earlier step`]);
    if (readsFiles && step.name === READ_STEP) problems.push([['steps', i, 'name'], `"${READ_STEP}" is the step that reads the chain's files; choose another name`]);
    if (shadowsPrototype(step.name)) problems.push([['steps', i, 'name'], `"${step.name}" is a reserved name (it shadows a built-in object property)`]);
    for (const field of ['prompt', 'system'] as const) {
      const text = step[field];
      if (text === undefined) continue;
      for (const bad of malformedPlaceholders(text)) {
        problems.push([['steps', i, field], `${bad} is not {{variables.NAME}}, {{steps.NAME}} or {{files.NAME}}`]);
      }
      for (const ref of templateRefs(text)) {
        if (ref.scope === 'steps' && !seen.has(ref.name)) {
          problems.push([['steps', i, field], `{{steps.${ref.name}}} does not name an earlier step`]);
        }
        if (ref.scope === 'variables' && !(input.variables && Object.hasOwn(input.variables, ref.name))) {
          problems.push([['steps', i, field], `{{variables.${ref.name}}} is not in variables`]);
        }
        if (ref.scope === 'files' && !(input.files && Object.hasOwn(input.files, ref.name))) {
          problems.push([['steps', i, field], `{{files.${ref.name}}} is not in files`]);
        }
      }
    }
    if (step.review) for (const [path, message] of reviewOptionProblems(step.review)) problems.push([['steps', i, 'review', ...path], message]);
    seen.add(step.name);
  });
  return problems;
}

const hasFiles = (input: ChainInput): boolean => Object.keys(input.files ?? {}).length > 0;

/** The text of each file `read` read, by name. */
function fileTexts(outputs: Readonly<Record<string, unknown>>): Record<string, string> {
  const read = (outputs[READ_STEP] ?? {}) as Record<string, ReadFile>;
  return Object.fromEntries(Object.entries(read).map(([name, file]) => [name, file.text]));
}

function chainStep(def: ChainStepInput): PipelineStep<ChainInput> {
  return {
    name: def.name,
    async run(ctx) {
      const variables = ctx.input.variables ?? {};
      const files = fileTexts(ctx.outputs);
      const messages: ChatMessage[] = [];
      if (def.system) messages.push({ role: 'system', content: renderTemplate(def.system, variables, ctx.outputs, files) });
      const prompt = renderTemplate(def.prompt, variables, ctx.outputs, files);
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
      const output = def.json ? await parseOrRepairJson(ctx as never, 'call', answer.text, anyJson, 'a JSON object') : answer.text;
      // Reviewed before any later step sees it: an EDIT replaces it.
      return def.review ? ctx.review(DEFAULT_REVIEW_KEY, reviewRequestOf(def.review, output)) : output;
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
  fileRefs: (input) => Object.entries(input.files ?? {}).map(([name, ref]): [string[], FileRef] => [['files', name], ref]),
  steps: (input) => [...(hasFiles(input) ? [readFilesStep<ChainInput>((i) => i.files ?? {})] : []), ...input.steps.map(chainStep)],
  reviews: (input) => input.steps.filter((s) => s.review).map((s) => ({ step: s.name, key: DEFAULT_REVIEW_KEY })),
  result(outputs, input, meta) {
    const last = input.steps[input.steps.length - 1]!;
    // The files' text stays in the `read` step's output; the result names what was read.
    const { [READ_STEP]: read, ...stepOutputs } = outputs;
    const files = hasFiles(input) ? { files: Object.fromEntries(Object.entries(read as Record<string, ReadFile>).map(([name, file]) => [name, fileFacts(file)])) } : {};
    return { outputs: hasFiles(input) ? stepOutputs : { ...outputs }, final: outputs[last.name] ?? null, ...files, ...offlineNotice(meta) };
  },
};
