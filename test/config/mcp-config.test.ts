/**
 * MCP_SERVERS and MCP_TIMEOUT: the servers' JSON is checked at start; an error names the
 * variable, the server and the field, and never repeats the value (it may hold a token).
 */
import { ConfigError, loadConfig } from '../../src/config/index.js';

const SECRET = 'Bearer sk-very-secret';
const load = (servers: unknown, extra: Record<string, string> = {}) =>
  loadConfig({ MCP_SERVERS: typeof servers === 'string' ? servers : JSON.stringify(servers), ...extra });

test('unset: no servers, a 10 s limit', () => {
  expect(loadConfig({}).mcp).toEqual({ servers: {}, timeoutMs: 10_000 });
});

test('a stdio server and a Streamable HTTP server', () => {
  const config = load(
    {
      docs: { command: 'node', args: ['docs.mjs', '--fast'], env: { DOCS_DIR: '/srv' }, cwd: '/opt/docs' },
      crm: { url: 'https://crm.example.com/mcp', headers: { authorization: SECRET } },
      plain: { command: 'docs-server' },
    },
    { MCP_TIMEOUT: '3s' },
  );
  expect(config.mcp).toEqual({
    timeoutMs: 3_000,
    servers: {
      docs: { transport: 'stdio', command: 'node', args: ['docs.mjs', '--fast'], env: { DOCS_DIR: '/srv' }, cwd: '/opt/docs' },
      crm: { transport: 'http', url: 'https://crm.example.com/mcp', headers: { authorization: SECRET } },
      plain: { transport: 'stdio', command: 'docs-server', args: [], env: {} },
    },
  });
});

test.each([
  ['not JSON', '{docs:', 'it is not valid JSON'],
  ['an array', [], 'it must be a JSON object of servers by name'],
  ['a bad name', { 'my docs': { command: 'x' } }, 'the server name "my docs" must be 1 to 32 letters, digits, _ or -'],
  ['neither', { docs: { args: [] } }, 'server "docs": needs exactly one of "command" (stdio) or "url" (Streamable HTTP)'],
  ['both', { docs: { command: 'x', url: 'http://a' } }, 'server "docs": needs exactly one of "command"'],
  ['bad args', { docs: { command: 'x', args: 'a b' } }, 'server "docs": "args" must be an array of strings'],
  ['bad env', { docs: { command: 'x', env: { TOKEN: 42 } } }, 'server "docs": "env" must be an object of strings'],
  ['a url that is not http', { crm: { url: 'ftp://crm' } }, 'server "crm": "url" must be an absolute http or https URL'],
  ['headers on a command', { docs: { command: 'x', headers: { a: 'b' } } }, 'server "docs": "headers" belongs to a url server, not a command'],
  ['an unknown field', { crm: { url: 'https://crm', header: { authorization: SECRET } } }, 'server "crm": "header" is not a known field'],
])('%s is refused, naming the server and the field, never the value', (_what, servers, problem) => {
  let err: unknown;
  try {
    load(servers);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const { message } = err as ConfigError;
  expect(message.startsWith('MCP_SERVERS=')).toBe(true);
  expect(message).toContain(problem);
  expect(message).not.toContain(SECRET);
  expect(message).not.toContain('very-secret');
});

test('MCP_TIMEOUT must be a duration', () => {
  expect(() => loadConfig({ MCP_TIMEOUT: 'soon' })).toThrow('MCP_TIMEOUT="soon" is invalid');
});
