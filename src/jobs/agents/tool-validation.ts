/**
 * The agent's tools, checked once per run (names, descriptions, schemas Ajv compiles), and
 * each call's arguments checked against its tool's schema before the tool runs. A call
 * that fails is answered with the problem, so the model can correct itself.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AgentDefinitionError } from './agent-errors.js';
import type { AgentTool } from './types.js';

const ajv = new Ajv({ allErrors: false, strict: false });
/** Compiled once per tool object: a kind's tools are usually module constants. */
const compiled = new WeakMap<AgentTool, ValidateFunction>();

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface CheckedTools {
  byName: ReadonlyMap<string, { tool: AgentTool; validate: ValidateFunction }>;
}

export function checkTools(tools: unknown): CheckedTools {
  if (!Array.isArray(tools) || tools.length === 0) throw new AgentDefinitionError('ctx.agent: tools must be a non-empty array');
  const byName = new Map<string, { tool: AgentTool; validate: ValidateFunction }>();
  tools.forEach((tool: AgentTool, i) => {
    const at = `ctx.agent: tools[${i}]`;
    if (typeof tool !== 'object' || tool === null) throw new AgentDefinitionError(`${at} must be an object`);
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      throw new AgentDefinitionError(`${at}.name must be 1 to 64 letters, digits, _ or -, got ${JSON.stringify(tool.name)}`);
    }
    if (byName.has(tool.name)) throw new AgentDefinitionError(`${at}.name: a second tool named "${tool.name}"`);
    if (typeof tool.description !== 'string') throw new AgentDefinitionError(`${at}.description (tool "${tool.name}") must be a string`);
    if (typeof tool.run !== 'function') throw new AgentDefinitionError(`${at}.run (tool "${tool.name}") must be a function`);
    if (typeof tool.parameters !== 'object' || tool.parameters === null || Array.isArray(tool.parameters)) {
      throw new AgentDefinitionError(`${at}.parameters (tool "${tool.name}") must be a JSON Schema object`);
    }
    byName.set(tool.name, { tool, validate: validatorFor(tool, at) });
  });
  return { byName };
}

function validatorFor(tool: AgentTool, at: string): ValidateFunction {
  let v = compiled.get(tool);
  if (!v) {
    try {
      v = ajv.compile(tool.parameters);
    } catch (err) {
      throw new AgentDefinitionError(`${at}.parameters (tool "${tool.name}") is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`);
    }
    compiled.set(tool, v);
  }
  return v;
}

export type ParsedArguments = { ok: true; args: unknown } | { ok: false; args: unknown; error: string };

/** The call's arguments parsed and checked, or why they cannot be used (told to the model). */
export function parseArguments(checked: CheckedTools, name: string, text: string): ParsedArguments {
  const entry = checked.byName.get(name);
  if (!entry) return { ok: false, args: text, error: `there is no tool named "${name}"; the tools are: ${[...checked.byName.keys()].join(', ')}` };
  let args: unknown;
  try {
    // A model may send nothing for a tool without parameters.
    args = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return { ok: false, args: text, error: `the arguments of "${name}" are not valid JSON` };
  }
  if (!entry.validate(args)) return { ok: false, args, error: `invalid arguments for "${name}": ${describe(entry.validate.errors![0]!)}` };
  return { ok: true, args };
}

function describe(err: ErrorObject): string {
  const path = err.instancePath === '' ? 'arguments' : `arguments${err.instancePath.replace(/\//g, '.')}`;
  if (err.keyword === 'required') return `${path} must have property "${String(err.params.missingProperty)}"`;
  if (err.keyword === 'additionalProperties') return `${path} must not have property "${String(err.params.additionalProperty)}"`;
  return `${path} ${err.message ?? 'is invalid'}`;
}
