/**
 * The registry a process runs with: the built-in kinds, plus the operator's own from the ES
 * module JOB_KINDS_MODULE names (its default export: an array of kind definitions; its
 * `tools` export: the tools the `agent` kind may offer), and the MCP servers of MCP_SERVERS.
 * Every API and worker process loads it at start, so both know the same kinds and tools;
 * anything wrong with the module is one JobKindsModuleError whose single-line message names
 * the module and the problem.
 */
import { pathToFileURL } from 'node:url';
import type { McpConfig } from '../../config/index.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { AgentDefinitionError, checkTools, ToolRegistry, type AgentTool } from '../agents/index.js';
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

export interface LoadJobKindsOptions {
  /** MCP_SERVERS and MCP_TIMEOUT: servers whose tools the `agent` kind offers as `server.tool`. */
  mcp?: McpConfig;
  /** AGENT_TOOL_TIMEOUT, the MCP client's own limit of one call. @defaultValue 60 s */
  toolTimeoutMs?: number;
  /** Where MCP connections log. @defaultValue silent */
  logger?: Logger;
}

/**
 * The built-in kinds, and those of `modulePath` (an absolute path) when given, with the tools
 * registered for the `agent` kind. Opens no connection: `kinds.tools.connectAll()` does.
 */
export async function loadJobKinds(modulePath: string | undefined, options: LoadJobKindsOptions = {}): Promise<JobKinds> {
  const { mcp, toolTimeoutMs, logger = createLogger('silent') } = options;
  const registry = (tools: readonly AgentTool[]) => new ToolRegistry(tools, { logger, ...(mcp ? { mcp } : {}), ...(toolTimeoutMs !== undefined ? { toolTimeoutMs } : {}) });
  if (modulePath === undefined) {
    const tools = registry([]);
    return new JobKinds(builtInPipelines(tools) as Pipeline<never>[], tools);
  }
  const fail = (problem: string): never => {
    throw new JobKindsModuleError(modulePath, problem);
  };
  let loaded: { default?: unknown; tools?: unknown };
  try {
    loaded = (await import(pathToFileURL(modulePath).href)) as { default?: unknown; tools?: unknown };
  } catch (err) {
    return fail(`cannot be loaded: ${messageOf(err)}`);
  }
  // A module may export tools alone.
  const definitions = loaded.default === undefined && loaded.tools !== undefined ? [] : loaded.default;
  if (!Array.isArray(definitions)) {
    return fail(`its default export must be an array of kind definitions, got ${definitions === undefined ? 'no default export' : typeof definitions}`);
  }
  const tools = registry(moduleTools(loaded.tools, fail));
  const builtIn = builtInPipelines(tools);
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
  return new JobKinds([...builtIn, ...own.values()] as Pipeline<never>[], tools);
}

/** The module's `tools` export, checked like ctx.agent's tools (name, description, parameters Ajv compiles, run). */
function moduleTools(exported: unknown, fail: (problem: string) => never): AgentTool[] {
  if (exported === undefined) return [];
  if (Array.isArray(exported) && exported.length === 0) return [];
  try {
    checkTools(exported, { label: 'tools', plainNames: true });
  } catch (err) {
    if (err instanceof AgentDefinitionError) return fail(err.message);
    throw err;
  }
  return exported as AgentTool[];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A stack or a multi-line message would not be one clear line in a terminal or a log. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
