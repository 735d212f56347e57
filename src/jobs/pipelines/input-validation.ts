/**
 * Validates a job's input against its kind's JSON Schema (Ajv) and the kind's own
 * limits, reporting the first problem as BAD_USER_INPUT with its full path, e.g.
 * ['input', 'input', 'steps', 2, 'prompt'].
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { badInput } from '../../errors/index.js';
import type { Pipeline, PipelineLimits } from './kind.js';

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<Pipeline<never>, ValidateFunction>();

function validatorFor(pipeline: Pipeline<never>): ValidateFunction {
  let v = compiled.get(pipeline);
  if (!v) {
    v = ajv.compile(pipeline.inputSchema);
    compiled.set(pipeline, v);
  }
  return v;
}

/**
 * Compiles a kind's schema now, so a bad one stops the process at start rather than failing
 * the first submission. Throws Ajv's error (e.g. "schema is invalid: data/type must be …").
 */
export function compileInputSchema(pipeline: Pipeline<unknown>): void {
  validatorFor(pipeline as Pipeline<never>);
}

export function validateJobInput<T>(
  pipeline: Pipeline<T>,
  input: unknown,
  basePath: ReadonlyArray<string | number>,
  limits: PipelineLimits,
): T {
  const validate = validatorFor(pipeline as Pipeline<never>);
  if (!validate(input)) {
    const err = validate.errors![0]!;
    throw badInput([...basePath, ...errorPath(err)], describe(err));
  }
  const problems = pipeline.validate?.(input as T, limits) ?? [];
  if (problems.length > 0) {
    const [path, message] = problems[0]!;
    throw badInput([...basePath, ...path], message);
  }
  return input as T;
}

function errorPath(err: ErrorObject): Array<string | number> {
  const parts = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (err.keyword === 'required') parts.push(String(err.params.missingProperty));
  if (err.keyword === 'additionalProperties') parts.push(String(err.params.additionalProperty));
  return parts;
}

function describe(err: ErrorObject): string {
  switch (err.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    default:
      return err.message ?? 'is invalid';
  }
}
