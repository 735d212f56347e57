/** Agents: `ctx.agent`'s tool-calling loop, with one checkpoint per model turn and per tool call, and the tools an operator registers (a kinds module's, MCP servers'). */
export { AgentDefinitionError, AgentMaxTurnsError } from './agent-errors.js';
export { MAX_AGENT_TURNS, runAgentLoop } from './loop.js';
export type { AgentLoopDeps } from './loop.js';
export { McpUnavailableError } from './mcp-connection.js';
export { ToolRegistry } from './tool-registry.js';
export type { RegisteredTool, ToolRegistryOptions } from './tool-registry.js';
export { checkTools } from './tool-validation.js';
export type { AgentActivity, AgentRequest, AgentResult, AgentTool, AgentToolCallRecord, AgentToolContext } from './types.js';
