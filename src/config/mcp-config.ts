/**
 * MCP_SERVERS: the MCP servers whose tools the `agent` kind may offer, by name, as JSON:
 *
 *   { "docs": { "command": "node", "args": ["docs-server.mjs"], "env": { "DOCS_DIR": "./docs" } },
 *     "crm":  { "url": "https://crm.example.com/mcp", "headers": { "authorization": "Bearer …" } } }
 *
 * A server with `command` is started as a child process and spoken to over stdio; one with
 * `url` over Streamable HTTP. The value may hold secrets (an `env`, a header), so an error
 * names the server and the field, never the value.
 */
import { ConfigError, type Env, readDuration, readOptional } from './parse.js';

export type McpServerConfig =
  | {
      transport: 'stdio';
      command: string;
      args: string[];
      /** Added to the few variables a child inherits (PATH, HOME, …): none of this process's secrets. */
      env: Record<string, string>;
      /** @defaultValue this process's working directory */
      cwd?: string;
    }
  | { transport: 'http'; url: string; headers: Record<string, string> };

export interface McpConfig {
  /** By server name; a tool `search` of server `docs` is offered as `docs.search`. */
  servers: Readonly<Record<string, McpServerConfig>>;
  /** MCP_TIMEOUT: the limit of connecting to one server and listing its tools. @defaultValue 10 s */
  timeoutMs: number;
}

/** Letters, digits, `_` and `-`: a server's name is the first part of its tools' names. */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

const EXAMPLE = 'JSON such as {"docs":{"command":"node","args":["docs-server.mjs"]},"crm":{"url":"https://crm.example.com/mcp"}}';

export function readMcpConfig(env: Env): McpConfig {
  return { servers: readMcpServers(env), timeoutMs: readDuration(env, 'MCP_TIMEOUT', '10s') };
}

function readMcpServers(env: Env): Record<string, McpServerConfig> {
  const raw = readOptional(env, 'MCP_SERVERS');
  if (raw === undefined) return {};
  const fail = (problem: string): never => {
    throw new ConfigError('MCP_SERVERS', `<not shown: ${raw.length} characters, it may hold secrets>`, `${EXAMPLE}; ${problem}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('it is not valid JSON');
  }
  if (!isObject(parsed)) return fail('it must be a JSON object of servers by name');
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!SERVER_NAME.test(name)) fail(`the server name ${JSON.stringify(name)} must be 1 to 32 letters, digits, _ or -`);
    servers[name] = readServer(value, (problem) => fail(`server "${name}": ${problem}`));
  }
  return servers;
}

function readServer(value: unknown, fail: (problem: string) => never): McpServerConfig {
  if (!isObject(value)) return fail('must be an object with "command" (stdio) or "url" (Streamable HTTP)');
  const known = new Set(['command', 'args', 'env', 'cwd', 'url', 'headers']);
  const unknown = Object.keys(value).find((k) => !known.has(k));
  if (unknown !== undefined) fail(`"${unknown}" is not a known field (command, args, env, cwd; or url, headers)`);
  const hasCommand = value['command'] !== undefined;
  if (hasCommand === (value['url'] !== undefined)) fail('needs exactly one of "command" (stdio) or "url" (Streamable HTTP)');
  if (hasCommand) {
    for (const field of ['url', 'headers']) if (value[field] !== undefined) fail(`"${field}" belongs to a url server, not a command`);
    const { command, args = [], env = {}, cwd } = value;
    if (typeof command !== 'string' || command.trim() === '') fail('"command" must be a non-empty string');
    if (!(Array.isArray(args) && args.every((a) => typeof a === 'string'))) fail('"args" must be an array of strings');
    const checkedEnv = stringMap(env, '"env"', fail);
    if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) fail('"cwd" must be a non-empty string');
    return { transport: 'stdio', command: command as string, args: args as string[], env: checkedEnv, ...(cwd !== undefined ? { cwd: cwd as string } : {}) };
  }
  for (const field of ['args', 'env', 'cwd']) if (value[field] !== undefined) fail(`"${field}" belongs to a command server, not a url`);
  const url = value['url'];
  let parsedUrl: URL | undefined;
  try {
    parsedUrl = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsedUrl = undefined;
  }
  if (!parsedUrl || !['http:', 'https:'].includes(parsedUrl.protocol)) fail('"url" must be an absolute http or https URL');
  return { transport: 'http', url: url as string, headers: stringMap(value['headers'] ?? {}, '"headers"', fail) };
}

function stringMap(value: unknown, field: string, fail: (problem: string) => never): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) return fail(`${field} must be an object of strings`);
  return value as Record<string, string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
