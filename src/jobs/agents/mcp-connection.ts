/**
 * One MCP server (MCP_SERVERS) as this process sees it: one client and one connection
 * (a child process over stdio, or Streamable HTTP), opened at start or on first use, its
 * tools as last listed, and calls to them. A connection that drops (the child exits) is
 * opened again by the next use; a server that cannot be reached keeps the tools it last
 * listed, if any, and is tried again at most once per MCP_TIMEOUT when a submission names it.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
// The SDK is loaded when a server is first opened: a process with no MCP_SERVERS never carries it.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import { AgentDefinitionError } from './agent-errors.js';
import { toolResultValue, type McpToolResult } from './mcp-tool-result.js';
import { checkTools } from './tool-validation.js';
import type { AgentTool } from './types.js';

/** MCP's own tool names (its 2025-11 spec): letters, digits, `_`, `-` and `.`, at most 128. */
const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** More than this many tools from one server is a server gone wrong, not a toolbox. */
const MAX_TOOLS_PER_SERVER = 1_000;

/** The server could not be reached (or did not list its tools) within MCP_TIMEOUT. Retried with the job. */
export class McpUnavailableError extends Error {
  override readonly name = 'McpUnavailableError';
}

export interface McpConnectionOptions {
  /** MCP_TIMEOUT: the limit of connecting and listing the tools. */
  timeoutMs: number;
  /** AGENT_TOOL_TIMEOUT: the SDK's own limit of one call (the agent loop's signal stops it first). */
  callTimeoutMs: number;
  logger: Logger;
}

export class McpConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** Tools as last listed, as `server.tool` agent tools; undefined until the server was first reached. */
  private listed: AgentTool[] | undefined;
  private failure: { at: number; message: string } | undefined;
  private closed = false;

  constructor(
    readonly server: string,
    private readonly config: McpServerConfig,
    private readonly opts: McpConnectionOptions,
  ) {}

  /** The tools as last listed; undefined while the server was never reached. */
  tools(): readonly AgentTool[] | undefined {
    return this.listed;
  }

  /** Why the server has not been reached, if it has not. */
  problem(): string | undefined {
    return this.listed === undefined ? (this.failure?.message ?? 'not connected yet') : undefined;
  }

  /** The open client, connecting (and listing the tools) first when there is none. Throws McpUnavailableError. */
  connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.reject(new McpUnavailableError(`MCP server "${this.server}" is closed (the process is stopping)`));
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** A connection attempt in the background, unless one failed less than MCP_TIMEOUT ago. */
  retrySoon(): void {
    if (this.client || this.connecting || this.closed) return;
    if (this.failure && Date.now() - this.failure.at < this.opts.timeoutMs) return;
    this.connect().catch(() => {}); // logged by open()
  }

  async call(tool: string, args: unknown, signal: AbortSignal): Promise<unknown> {
    const client = await this.connect();
    const result = await client.callTool({ name: tool, arguments: args as Record<string, unknown> }, undefined, { signal, timeout: this.opts.callTimeoutMs });
    return toolResultValue(result as McpToolResult);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  private async open(): Promise<Client> {
    const { logger, timeoutMs } = this.opts;
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const client = new Client(
      { name: 'ai-jobs', version: '1.0.0' },
      { capabilities: {}, listChanged: { tools: { autoRefresh: false, onChanged: () => void this.relist(client) } } },
    );
    client.onclose = () => {
      if (this.client !== client) return;
      this.client = undefined;
      logger.warn({ mcpServer: this.server }, 'MCP server connection closed; the next use opens it again');
    };
    client.onerror = (err) => logger.warn({ mcpServer: this.server, err: err.message }, 'MCP server connection error');
    try {
      // One deadline for the whole opening: spawn or first request, initialize, every page of tools/list.
      const signal = AbortSignal.timeout(timeoutMs);
      await client.connect(await this.transport(), { signal, timeout: timeoutMs });
      this.listed = await this.listTools(client, signal);
    } catch (err) {
      await client.close().catch(() => {});
      const message = `MCP server "${this.server}" cannot be reached: ${firstLine(err)}`;
      this.failure = { at: Date.now(), message };
      logger.error({ mcpServer: this.server }, `${message}; its tools are not offered until it is`);
      throw new McpUnavailableError(message);
    }
    if (this.closed) {
      await client.close().catch(() => {});
      throw new McpUnavailableError(`MCP server "${this.server}" is closed (the process is stopping)`);
    }
    this.failure = undefined;
    this.client = client;
    logger.info({ mcpServer: this.server, tools: this.listed.map((t) => t.name) }, 'MCP server connected');
    return client;
  }

  private async transport(): Promise<Transport> {
    if (this.config.transport === 'http') {
      const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      return new StreamableHTTPClientTransport(new URL(this.config.url), { requestInit: { headers: this.config.headers } });
    }
    const { command, args, env, cwd } = this.config;
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    // The SDK passes on only PATH, HOME and the like, plus the server's own env: none of our secrets.
    const transport = new StdioClientTransport({ command, args, env, ...(cwd ? { cwd } : {}), stderr: 'pipe' });
    const stderr = transport.stderr as Readable | null;
    if (stderr) createInterface({ input: stderr }).on('line', (line) => this.opts.logger.info({ mcpServer: this.server, stderr: line }, 'MCP server stderr'));
    return transport;
  }

  /** Every page of tools/list, as agent tools named `server.tool`; a tool we cannot offer is left out with a warning. */
  private async listTools(client: Client, signal: AbortSignal): Promise<AgentTool[]> {
    const tools: AgentTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor }, { signal, timeout: this.opts.timeoutMs });
      for (const t of page.tools) {
        const tool = this.agentTool(t);
        if (tool) tools.push(tool);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined && tools.length < MAX_TOOLS_PER_SERVER);
    return tools;
  }

  private agentTool(t: { name: string; title?: string; description?: string; inputSchema: Record<string, unknown> }): AgentTool | undefined {
    const skip = (why: string): undefined => void this.opts.logger.warn({ mcpServer: this.server, tool: t.name }, `MCP tool left out: ${why}`);
    if (!MCP_TOOL_NAME.test(t.name)) return skip('its name is not 1 to 128 letters, digits, _, - or .');
    // A `$schema` naming a draft Ajv does not load by default would stop the compile; the schema's content is what matters.
    const { $schema: _ignored, ...parameters } = t.inputSchema;
    const tool: AgentTool = {
      name: `${this.server}.${t.name}`,
      description: t.description ?? t.title ?? '',
      parameters,
      run: (args, ctx) => this.call(t.name, args, ctx.signal),
    };
    try {
      checkTools([tool], { label: `MCP server "${this.server}" tools` });
    } catch (err) {
      if (err instanceof AgentDefinitionError) return skip(err.message);
      throw err;
    }
    return tool;
  }

  private async relist(client: Client): Promise<void> {
    if (this.client !== client) return;
    try {
      this.listed = await this.listTools(client, AbortSignal.timeout(this.opts.timeoutMs));
      this.opts.logger.info({ mcpServer: this.server, tools: this.listed.map((t) => t.name) }, 'MCP server tools changed');
    } catch (err) {
      this.opts.logger.warn({ mcpServer: this.server, err: firstLine(err) }, 'MCP server tools changed, but listing them failed; the last list stays');
    }
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(/^(Error: )+/, '');
}
