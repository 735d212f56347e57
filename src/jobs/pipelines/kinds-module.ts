/**
 * The registry a process runs with: the built-in kinds, plus the operator's own from the ES
 * module JOB_KINDS_MODULE names (its default export: an array of kind definitions). Every API
 * and worker process loads it at start, so both know the same kinds; anything wrong with the
 * module is one JobKindsModuleError whose single-line message names the module and the problem.
 */
import { pathToFileURL } from 'node:url';
import { compileInputSchema } from './input-validation.js';
import type { Pipeline } from './kind.js';
import { pipelineFromDefinition } from './kind-definition.js';
import { builtInPipelines, JobKinds } from './registry.js';

export class JobKindsModuleError extends Error {
  override readonly name = 'JobKindsModuleError';
  constructor(
    readonly modulePath: string,
    readonly problem: string,
  ) {
    super(`JOB_KINDS_MODULE ${modulePath}: ${oneLine(problem)}`);
  }
}

/** The built-in kinds, and those of `modulePath` (an absolute path) when given. */
export async function loadJobKinds(modulePath: string | undefined): Promise<JobKinds> {
  const builtIn = builtInPipelines();
  if (modulePath === undefined) return new JobKinds(builtIn as Pipeline<never>[]);
  const fail = (problem: string): never => {
    throw new JobKindsModuleError(modulePath, problem);
  };
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
  } catch (err) {
    return fail(`cannot be loaded: ${messageOf(err)}`);
  }
  const definitions = loaded.default;
  if (!Array.isArray(definitions)) {
    return fail(`its default export must be an array of kind definitions, got ${definitions === undefined ? 'no default export' : typeof definitions}`);
  }
  const builtInNames = new Set(builtIn.map((p) => p.kind));
  const own = new Map<string, Pipeline<unknown>>();
  definitions.forEach((definition: unknown, i) => {
    const named = (definition as { kind?: unknown } | null)?.kind;
    const which = `definition ${i + 1} of ${definitions.length}${typeof named === 'string' ? ` ("${named}")` : ''}`;
    let pipeline: Pipeline<unknown>;
    try {
      pipeline = pipelineFromDefinition(definition);
    } catch (err) {
      return fail(`${which}: ${messageOf(err)}`);
    }
    try {
      compileInputSchema(pipeline);
    } catch (err) {
      return fail(`${which}: "inputSchema" is not a valid JSON Schema: ${messageOf(err)}`);
    }
    if (builtInNames.has(pipeline.kind)) fail(`${which}: "${pipeline.kind}" is a built-in kind and cannot be replaced`);
    if (own.has(pipeline.kind)) fail(`${which}: "${pipeline.kind}" is defined twice`);
    own.set(pipeline.kind, pipeline);
  });
  return new JobKinds([...builtIn, ...own.values()] as Pipeline<never>[]);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A stack or a multi-line message would not be one clear line in a terminal or a log. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
