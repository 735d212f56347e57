/**
 * What a step hands `ctx.agent` and gets back: tools the model may call, the conversation
 * to start from, and the run's outcome with every tool call it made.
 */
import type { ChatMessage } from '../../ai/index.js';

/** What a tool's `run` is given besides its arguments. */
export interface AgentToolContext {
  /** Aborted when the job is cancelled, loses its worker, or the tool passes its time limit. */
  signal: AbortSignal;
  jobId: string;
  tenantId: string;
  /**
   * Stable across retries and resumes of this one call (job, step, agent, turn, call): an
   * idempotency key for a side effect, should the worker die between the effect and its checkpoint.
   */
  callId: string;
}

export interface AgentTool {
  /** Letters, digits, `_` and `-`, at most 64 (what Chat Completions accepts). */
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema); a call whose arguments fail it goes back to the model as an error. */
  parameters: Record<string, unknown>;
  /** Returns any JSON value; a throw goes back to the model as the tool's error. */
  run(args: any, ctx: AgentToolContext): unknown;
}

export interface AgentRequest {
  system?: string;
  /** The user's request; or give the whole conversation as `messages`. */
  prompt?: string;
  messages?: ChatMessage[];
  tools: AgentTool[];
  /** Model turns allowed; the run fails with AGENT_MAX_TURNS when the model still calls tools on the last one. */
  maxTurns: number;
  model?: string;
  temperature?: number;
  maxTokens?: number;
}

export interface AgentToolCallRecord {
  name: string;
  /** The parsed arguments (the raw text when they were not JSON). */
  args: unknown;
  /** What the tool returned, or `{ error }` when it failed or was refused. */
  result: unknown;
  /** Set when the call did not succeed: bad arguments, unknown tool, a throw or a timeout. */
  error?: string;
  turn: number;
}

export interface AgentResult {
  /** The model's final answer. */
  text: string;
  /** Model turns taken (each one checkpointed). */
  turns: number;
  toolCalls: AgentToolCallRecord[];
}

/** One turn or tool call as events report it (stored with STEP_PROGRESS events). */
export interface AgentActivity {
  agent: string;
  turn: number;
  /** `turn`: the model answered; `tool`: a tool call finished. */
  phase: 'turn' | 'tool';
  tool: string | null;
  /** JSON text (clipped) of the arguments and of the result. */
  arguments: string | null;
  result: string | null;
  error: string | null;
  durationMs: number | null;
}
