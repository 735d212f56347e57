/**
 * A kind written by the operator (JOB_KINDS_MODULE): the public shape of a definition, and
 * its check and conversion into the Pipeline the runner runs. A definition is a plain object,
 * so a kinds module needs nothing of ours; every problem is one line naming the field.
 */
import { offlineNotice, type Pipeline, type PipelineLimits, type PipelineStep, type ResultMeta } from './kind.js';

type Problems = Array<[ReadonlyArray<string | number>, string]>;

export interface JobKindDefinition<TInput = unknown> {
  /** The name jobs are submitted with, e.g. `ticket.triage`; not the name of a built-in kind. */
  kind: string;
  /** Shown by `jobKinds`. @defaultValue '' */
  description?: string;
  /** JSON Schema of the input; every submission is checked against it, errors naming the field. */
  inputSchema: Record<string, unknown>;
  /**
   * The steps of one job, from its (valid) input: `[{ name, run(ctx) }]`. Called when the job is
   * submitted and again on every attempt, so it must give the same steps for the same input.
   */
  steps(input: TInput): ReadonlyArray<PipelineStep<TInput>>;
  /** The job's result from the step outputs (by step name). @defaultValue the outputs themselves */
  result?(outputs: Readonly<Record<string, unknown>>, input: TInput, meta: ResultMeta): unknown;
  /** The step names `jobKinds` shows (steps(input) depends on an input). @defaultValue [] */
  stepNames?: readonly string[];
  /** Checks beyond the schema, as [path within input, message]. */
  validate?(input: TInput, limits: PipelineLimits): Problems;
  /** The AI options `jobKinds` lists. @defaultValue the job-level ones every kind takes */
  options?: readonly string[];
}

/** Every step's AI calls go through ctx.complete, which applies the job's model, temperature, output cap and budget. */
const JOB_LEVEL_OPTIONS = ['model', 'temperature', 'maxOutputTokens', 'budget'] as const;

/** Letters, digits, `.`, `_` and `-`, starting with a letter: safe in logs, metrics and URLs. */
const KIND_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** A definition that cannot be used; the message names the field. */
export class InvalidKindDefinitionError extends Error {
  override readonly name = 'InvalidKindDefinitionError';
}

/** Checks one definition (anything a module exported) and turns it into a pipeline. */
export function pipelineFromDefinition(value: unknown): Pipeline<unknown> {
  if (!isObject(value)) throw new InvalidKindDefinitionError(`must be an object, got ${typeName(value)}`);
  const def = value as Partial<JobKindDefinition> & Record<string, unknown>;
  if (def.kind === undefined) throw new InvalidKindDefinitionError('"kind" is missing');
  if (typeof def.kind !== 'string' || !KIND_NAME.test(def.kind)) {
    throw new InvalidKindDefinitionError(`"kind" must be a name of letters, digits, ".", "_" and "-" starting with a letter (at most 64), got ${JSON.stringify(def.kind)}`);
  }
  if (def.description !== undefined && typeof def.description !== 'string') throw new InvalidKindDefinitionError('"description" must be a string');
  if (!isObject(def.inputSchema)) throw new InvalidKindDefinitionError(`"inputSchema" must be a JSON Schema object, got ${typeName(def.inputSchema)}`);
  if (typeof def.steps !== 'function') throw new InvalidKindDefinitionError(`"steps" must be a function (input) => [{ name, run(ctx) }], got ${typeName(def.steps)}`);
  for (const field of ['result', 'validate'] as const) {
    if (def[field] !== undefined && typeof def[field] !== 'function') throw new InvalidKindDefinitionError(`"${field}" must be a function, got ${typeName(def[field])}`);
  }
  for (const field of ['stepNames', 'options'] as const) {
    const list = def[field];
    if (list !== undefined && !(Array.isArray(list) && list.every((s) => typeof s === 'string'))) {
      throw new InvalidKindDefinitionError(`"${field}" must be an array of strings`);
    }
  }
  const { kind, steps, result, validate } = def as JobKindDefinition & Record<string, unknown>;
  return {
    kind,
    description: def.description ?? '',
    stepNames: [...(def.stepNames ?? [])],
    inputSchema: def.inputSchema,
    options: [...(def.options ?? JOB_LEVEL_OPTIONS)],
    ...(validate ? { validate: (input: unknown, limits: PipelineLimits) => validate(input, limits) } : {}),
    steps: (input) => checkedSteps(kind, steps(input)),
    result(outputs, input, meta) {
      const made = result ? result(outputs, input, meta) : { ...outputs };
      // The offline stand-in says so in every result, a user kind's too.
      return meta.offline && isObject(made) ? { ...made, ...offlineNotice(meta) } : made;
    },
  };
}

/** What steps(input) returned, checked: the runner keys outputs and checkpoints by step name. */
function checkedSteps(kind: string, steps: unknown): PipelineStep<unknown>[] {
  const fail = (problem: string): never => {
    throw new Error(`kind "${kind}": steps(input) must return [{ name, run(ctx) }]: ${problem}`);
  };
  if (!Array.isArray(steps)) return fail(`got ${typeName(steps)}`);
  if (steps.length === 0) fail('it returned no steps');
  const seen = new Set<string>();
  steps.forEach((step: unknown, i) => {
    if (!isObject(step)) return fail(`step ${i} is ${typeName(step)}`);
    const { name, run } = step as Partial<PipelineStep<unknown>>;
    if (typeof name !== 'string' || name === '') fail(`step ${i} has no "name"`);
    if (seen.has(name!)) fail(`step name "${name}" is used twice`);
    if (typeof run !== 'function') fail(`step "${name}" has no "run" function`);
    seen.add(name!);
  });
  return steps as PipelineStep<unknown>[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v === 'undefined' ? 'nothing' : `a ${typeof v}`;
}
