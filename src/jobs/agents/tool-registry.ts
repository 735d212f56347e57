/**
 * The tools an operator registered for the `agent` kind: those a kinds module exports
 * (`export const tools = [...]`) and those of the MCP servers in MCP_SERVERS, named
 * `server.tool`. A job names its tools from these; a name that is not here is refused when
 * the job is submitted. One registry per process holds one connection per MCP server.
 */
import type { McpConfig } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import { McpConnection, McpUnavailableError } from './mcp-connection.js';
import { modelNameClash } from './tool-names.js';
import type { AgentTool } from './types.js';

/** A registered tool as `jobKinds` lists it. */
export interface RegisteredTool {
  /** What a job names it by: the module tool's name, or `server.tool`. */
  name: string;
  description: string;
  /** JSON Schema of its arguments. */
  parameters: Record<string, unknown>;
  /** The MCP server it comes from; null for a kinds module's tool. */
  server: string | null;
}

export interface ToolRegistryOptions {
  mcp?: McpConfig;
  /** AGENT_TOOL_TIMEOUT, the SDK's own limit of one MCP call. @defaultValue 60 s */
  toolTimeoutMs?: number;
  logger: Logger;
}

/** Names shown in a refusal, at most: a long toolbox is listed by jobKinds. */
const NAMES_IN_MESSAGE = 20;

export class ToolRegistry {
  private readonly moduleTools: ReadonlyMap<string, AgentTool>;
  private readonly servers: ReadonlyMap<string, McpConnection>;

  /** `moduleTools` are checked already (kinds-module.ts). */
  constructor(moduleTools: readonly AgentTool[], options?: ToolRegistryOptions) {
    this.moduleTools = new Map(moduleTools.map((t) => [t.name, t]));
    const servers = Object.entries(options?.mcp?.servers ?? {});
    this.servers = new Map(
      servers.map(([name, config]) => [
        name,
        new McpConnection(name, config, { timeoutMs: options!.mcp!.timeoutMs, callTimeoutMs: options!.toolTimeoutMs ?? 60_000, logger: options!.logger.child({ part: 'mcp' }) }),
      ]),
    );
  }

  static empty(): ToolRegistry {
    return new ToolRegistry([]);
  }

  /** Every tool a job may name now: the module's, then each reached server's as last listed (one never reached is tried again). */
  list(): RegisteredTool[] {
    const own = [...this.moduleTools.values()].map((t) => registered(t, null));
    const mcp = [...this.servers.values()].flatMap((s) => {
      const tools = s.tools();
      if (tools === undefined) s.retrySoon();
      return (tools ?? []).map((t) => registered(t, s.server));
    });
    return [...own, ...mcp];
  }

  /** Why a job may not name these tools, as [index, problem]; empty when it may (no I/O: called on submit). */
  refusals(names: readonly string[]): Array<[number, string]> {
    const problems: Array<[number, string]> = [];
    names.forEach((name, i) => {
      const problem = this.refusal(name);
      if (problem) problems.push([i, problem]);
    });
    const clash = problems.length === 0 ? modelNameClash(names) : undefined;
    if (clash) problems.push([names.indexOf(clash[1]), `"${clash[0]}" and "${clash[1]}" would both be offered to the model as "${clash[2]}": choose one`]);
    return problems;
  }

  private refusal(name: string): string | undefined {
    if (this.moduleTools.has(name)) return undefined;
    const server = this.servers.get(name.slice(0, Math.max(0, name.indexOf('.'))));
    if (server) {
      const tools = server.tools();
      if (tools === undefined) {
        server.retrySoon();
        return `"${name}" cannot be checked: ${server.problem()}`;
      }
      if (tools.some((t) => t.name === name)) return undefined;
    }
    const known = this.list().map((t) => t.name);
    const shown = known.length === 0 ? 'none is registered (JOB_KINDS_MODULE tools, MCP_SERVERS)' : `the tools are ${known.slice(0, NAMES_IN_MESSAGE).join(', ')}${known.length > NAMES_IN_MESSAGE ? ', …' : ''}`;
    return `"${name}" is not a registered tool; ${shown}`;
  }

  /**
   * The tools a run offers, in the order named. A server this process has not reached yet is
   * connected first (McpUnavailableError when it cannot be); `missing` names the tools no
   * longer registered (a server that stopped listing one since the job was submitted).
   */
  async resolve(names: readonly string[]): Promise<{ tools: AgentTool[]; missing: string[] }> {
    const tools: AgentTool[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const own = this.moduleTools.get(name);
      const server = own ? undefined : this.servers.get(name.slice(0, Math.max(0, name.indexOf('.'))));
      if (server && server.tools() === undefined) await server.connect();
      const tool = own ?? server?.tools()?.find((t) => t.name === name);
      if (tool) tools.push(tool);
      else missing.push(name);
    }
    return { tools, missing };
  }

  /** Opens every MCP server's connection now (at start), in parallel; one that fails is logged and tried again later. */
  async connectAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.connect().catch((err: unknown) => (err instanceof McpUnavailableError ? undefined : Promise.reject(err)))));
  }

  /** Closes every MCP connection (a stdio server's process ends). */
  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
  }
}

function registered(tool: AgentTool, server: string | null): RegisteredTool {
  return { name: tool.name, description: tool.description, parameters: tool.parameters, server };
}
