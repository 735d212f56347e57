import type { Server } from '@modelcontextprotocol/sdk/server/index.js';

export declare function createMcpTestServer(opts?: { label?: string; callsFile?: string }): Server;
export declare function startHttpMcpServer(opts?: { callsFile?: string }): Promise<{ url: string; close(): Promise<void> }>;
