/**
 * The agent's tools, checked once per run (names, descriptions, schemas Ajv compiles), and
 * each call's arguments checked against its tool's schema before the tool runs. A call
 * that fails is answered with the problem, so the model can correct itself.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AgentDefinitionError } from './agent-errors.js';
import { modelToolName, PLAIN_TOOL_NAME, TOOL_NAME } from './tool-names.js';
import type { AgentTool } from './types.js';

const ajv = new Ajv({ allErrors: false, strict: false });
/** Compiled once per tool object: a kind's tools are usually module constants. */
const compiled = new WeakMap<AgentTool, ValidateFunction>();

export interface CheckedTool {
  tool: AgentTool;
  /** The name the model sees (tool-names.ts): the tool's own unless it has a dot or is long. */
  modelName: string;
  validate: ValidateFunction;
}

export interface CheckedTools {
  /** By the name the model calls them by. */
  byModelName: ReadonlyMap<string, CheckedTool>;
}

export interface CheckToolsOptions {
  /** Where the tools come from, in messages. @defaultValue 'ctx.agent: tools' */
  label?: string;
  /** Only plain names (a kinds module's tools: dots are kept for MCP's `server.tool`). @defaultValue false */
  plainNames?: boolean;
}

export function checkTools(tools: unknown, options: CheckToolsOptions = {}): CheckedTools {
  const label = options.label ?? 'ctx.agent: tools';
  if (!Array.isArray(tools) || tools.length === 0) throw new AgentDefinitionError(`${label} must be a non-empty array`);
  const byName = new Map<string, CheckedTool>();
  const byModelName = new Map<string, CheckedTool>();
  tools.forEach((tool: AgentTool, i) => {
    const at = `${label}[${i}]`;
    if (typeof tool !== 'object' || tool === null) throw new AgentDefinitionError(`${at} must be an object`);
    checkName(tool.name, at, options.plainNames === true);
    if (byName.has(tool.name)) throw new AgentDefinitionError(`${at}.name: a second tool named "${tool.name}"`);
    if (typeof tool.description !== 'string') throw new AgentDefinitionError(`${at}.description (tool "${tool.name}") must be a string`);
    if (typeof tool.run !== 'function') throw new AgentDefinitionError(`${at}.run (tool "${tool.name}") must be a function`);
    if (typeof tool.parameters !== 'object' || tool.parameters === null || Array.isArray(tool.parameters)) {
      throw new AgentDefinitionError(`${at}.parameters (tool "${tool.name}") must be a JSON Schema object`);
    }
    const checked: CheckedTool = { tool, modelName: modelToolName(tool.name), validate: validatorFor(tool, at) };
    const clash = byModelName.get(checked.modelName);
    if (clash) throw new AgentDefinitionError(`${at}.name: "${tool.name}" and "${clash.tool.name}" would both be offered to the model as "${checked.modelName}"`);
    byName.set(tool.name, checked);
    byModelName.set(checked.modelName, checked);
  });
  return { byModelName };
}

function checkName(name: unknown, at: string, plain: boolean): void {
  if (typeof name === 'string' && (plain ? PLAIN_TOOL_NAME : TOOL_NAME).test(name)) return;
  const rule = plain ? '1 to 64 letters, digits, _ or - (a dot is kept for MCP tools, server.tool)' : '1 to 200 letters, digits, _, - or . (not starting with a dot)';
  throw new AgentDefinitionError(`${at}.name must be ${rule}, got ${JSON.stringify(name)}`);
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
  const entry = checked.byModelName.get(name);
  if (!entry) return { ok: false, args: text, error: `there is no tool named "${name}"; the tools are: ${[...checked.byModelName.keys()].join(', ')}` };
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
