/** Agents: `ctx.agent`'s tool-calling loop, with one checkpoint per model turn and per tool call. */
export { AgentDefinitionError, AgentMaxTurnsError } from './agent-errors.js';
export { MAX_AGENT_TURNS, runAgentLoop } from './loop.js';
export type { AgentLoopDeps } from './loop.js';
export type { AgentActivity, AgentRequest, AgentResult, AgentTool, AgentToolCallRecord, AgentToolContext } from './types.js';
