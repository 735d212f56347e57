/**
 * A tiny MCP server built on the official SDK's server side, for the agent kind's tests.
 * Run as a script it serves stdio (`node test/support/mcp-test-server.mjs`); imported, it
 * offers `startHttpMcpServer()`, the same tools over Streamable HTTP (stateless) on 127.0.0.1.
 *
 * Tools: `search` (structured hits), `echo` (text), `fail` (an MCP tool error). Every call is
 * appended as one JSON line to MCP_CALLS_FILE when set, and the process writes its pid there
 * at start, so a test counts the calls this child really ran and sees it end.
 */
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const TOOLS = [
  {
    name: 'search',
    description: 'Searches the handbook.',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1 } },
      required: ['query'],
    },
  },
  { name: 'echo', description: 'Says the text back.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  { name: 'fail', description: 'Always reports an error.', inputSchema: { type: 'object', properties: {} } },
];

function record(file, entry) {
  if (file) appendFileSync(file, JSON.stringify(entry) + '\n');
}

/** One MCP server (the SDK's low-level Server) with the three tools; `label` tells transports apart in answers. */
export function createMcpTestServer({ label = 'stdio', callsFile = process.env.MCP_CALLS_FILE } = {}) {
  const server = new Server({ name: 'handbook', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
    const args = params.arguments ?? {};
    record(callsFile, { label, tool: params.name, args });
    switch (params.name) {
      case 'search':
        return {
          content: [{ type: 'text', text: `1 hit for ${args.query}` }],
          structuredContent: { via: label, hits: [{ title: `Handbook: ${args.query}`, page: 7 }] },
        };
      case 'echo':
        return { content: [{ type: 'text', text: `${label} says ${args.text}` }] };
      case 'fail':
        return { isError: true, content: [{ type: 'text', text: 'the handbook index is offline' }] };
      default:
        return { isError: true, content: [{ type: 'text', text: `unknown tool ${params.name}` }] };
    }
  });
  return server;
}

/** The same tools over Streamable HTTP, stateless (a new server per request, as the SDK's examples do). */
export async function startHttpMcpServer({ callsFile } = {}) {
  const httpServer = http.createServer(async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = createMcpTestServer({ label: 'http', callsFile });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => new Promise((resolve) => httpServer.close(() => resolve())).then(() => httpServer.closeAllConnections()),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  record(process.env.MCP_CALLS_FILE, { label: 'stdio', pid: process.pid });
  await createMcpTestServer().connect(new StdioServerTransport());
}
