/**
 * The agent loop: ask the model (with the tools), run the tools it calls, give it their
 * results, until it answers without calling a tool or `maxTurns` runs out. Each model turn
 * goes through the step's checkpointed `complete` (budgets, models, rate limit, usage,
 * streaming) and each tool call's outcome is checkpointed before it is used, so a resumed
 * run replays what is stored — same answers, same tool results, nothing paid or run twice —
 * and carries on from the turn where it stopped.
 */
import type { ChatMessage, CompletionRequest, CompletionResult, ToolDefinition } from '../../ai/index.js';
import { AgentDefinitionError, AgentMaxTurnsError } from './agent-errors.js';
import { runToolOnce, storedOutcome, type ToolCheckpoints, type ToolOutcome } from './tool-checkpoint.js';
import { checkTools, parseArguments, type CheckedTools } from './tool-validation.js';
import type { AgentActivity, AgentRequest, AgentResult, AgentToolCallRecord } from './types.js';

/** The most turns one run may ask for: a loop past this is a bug, not a plan. */
export const MAX_AGENT_TURNS = 100;
/** Arguments and results are clipped to this many characters in events (checkpoints keep them whole). */
const ACTIVITY_CLIP = 4_000;

export interface AgentLoopDeps {
  /** The step's checkpointed model call (ctx.complete). */
  complete(key: string, request: Omit<CompletionRequest, 'signal'>): Promise<CompletionResult>;
  /** Keys here are relative to the step, like `complete`'s. */
  checkpoints: ToolCheckpoints;
  signal: AbortSignal;
  jobId: string;
  tenantId: string;
  stepName: string;
  toolTimeoutMs: number;
  /** Tells the job's events (and progress) about a turn or a tool call that just finished. */
  report(activity: AgentActivity, turn: number, maxTurns: number, message: string): Promise<void>;
}

export async function runAgentLoop(deps: AgentLoopDeps, key: string, request: AgentRequest): Promise<AgentResult> {
  const checked = checkTools(request.tools);
  const maxTurns = checkMaxTurns(request.maxTurns);
  const tools: ToolDefinition[] = [...checked.byModelName.values()].map(({ tool, modelName }) => ({ name: modelName, description: tool.description, parameters: tool.parameters }));
  const messages = startingMessages(request);
  const toolCalls: AgentToolCallRecord[] = [];

  for (let turn = 1; turn <= maxTurns; turn++) {
    const startedAt = Date.now();
    const answer = await deps.complete(`${key}/turn/${turn}`, {
      messages,
      tools,
      ...(request.model !== undefined ? { model: request.model } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
    });
    const calls = answer.toolCalls ?? [];
    // A reused answer (attempts 0) was reported by the attempt that paid for it.
    if (answer.attempts > 0) {
      const message = calls.length > 0 ? `turn ${turn}: calling ${calls.map((c) => toolName(checked, c.name)).join(', ')}` : `turn ${turn}: answered`;
      await deps.report(activity(key, turn, 'turn', { durationMs: Date.now() - startedAt }), turn, maxTurns, message);
    }
    if (calls.length === 0) return { text: answer.text, turns: turn, toolCalls };
    messages.push({ role: 'assistant', content: answer.text, toolCalls: calls });
    for (const [i, call] of calls.entries()) {
      const callKey = `${key}/turn/${turn}/tool/${i + 1}`;
      const { outcome, args, fresh } = await toolOutcome(deps, checked, callKey, call.name, call.arguments);
      const name = toolName(checked, call.name);
      toolCalls.push({ name, args, result: outcome.ok ? outcome.result : { error: outcome.error }, ...(outcome.ok ? {} : { error: outcome.error! }), turn });
      messages.push({ role: 'tool', toolCallId: call.id, content: toolMessage(outcome) });
      if (fresh) {
        const message = outcome.ok ? `turn ${turn}: ${name} returned` : `turn ${turn}: ${name} failed: ${outcome.error}`;
        const done = activity(key, turn, 'tool', { tool: name, args, outcome });
        await deps.report(done, turn, maxTurns, message);
      }
    }
  }
  throw new AgentMaxTurnsError(`agent "${key}" in step "${deps.stepName}" was still calling tools after maxTurns (${maxTurns}) model turns`);
}

/** The tool's own name (e.g. `docs.search`) for the one the model called (`docs__search`); an unknown one as called. */
function toolName(checked: CheckedTools, called: string): string {
  return checked.byModelName.get(called)?.tool.name ?? called;
}

/** The stored outcome of a call, else the call validated and (when valid) run and checkpointed. */
async function toolOutcome(
  deps: AgentLoopDeps,
  checked: CheckedTools,
  callKey: string,
  name: string,
  argumentsText: string,
): Promise<{ outcome: ToolOutcome; args: unknown; fresh: boolean }> {
  const parsed = parseArguments(checked, name, argumentsText);
  const stored = await storedOutcome(deps.checkpoints, callKey);
  if (stored) return { outcome: stored, args: parsed.args, fresh: false };
  if (!parsed.ok) {
    // A refused call is an outcome too: checkpointed, so a replay tells the model the same.
    const refused: ToolOutcome = { ok: false, result: null, error: parsed.error, durationMs: 0 };
    await deps.checkpoints.put(callKey, refused);
    return { outcome: refused, args: parsed.args, fresh: true };
  }
  const outcome = await runToolOnce(deps.checkpoints, {
    key: callKey,
    tool: checked.byModelName.get(name)!.tool,
    args: parsed.args,
    context: { jobId: deps.jobId, tenantId: deps.tenantId, callId: `${deps.jobId}/${deps.stepName}/${callKey}` },
    signal: deps.signal,
    timeoutMs: deps.toolTimeoutMs,
  });
  return { outcome, args: parsed.args, fresh: true };
}

function startingMessages(request: AgentRequest): ChatMessage[] {
  const hasPrompt = typeof request.prompt === 'string' && request.prompt.length > 0;
  const hasMessages = Array.isArray(request.messages) && request.messages.length > 0;
  if (hasPrompt === hasMessages) throw new AgentDefinitionError('ctx.agent needs exactly one of prompt (a non-empty string) or messages (a non-empty array)');
  if (request.system !== undefined && typeof request.system !== 'string') throw new AgentDefinitionError('ctx.agent: system must be a string');
  const system: ChatMessage[] = request.system ? [{ role: 'system', content: request.system }] : [];
  return [...system, ...(hasPrompt ? [{ role: 'user' as const, content: request.prompt! }] : request.messages!.map((m) => ({ ...m })))];
}

function checkMaxTurns(n: unknown): number {
  if (!(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_AGENT_TURNS)) {
    throw new AgentDefinitionError(`ctx.agent: maxTurns must be a whole number from 1 to ${MAX_AGENT_TURNS}, got ${JSON.stringify(n)}`);
  }
  return n as number;
}

/** What the model is told: the result as JSON (a string as is), or the error. */
function toolMessage(outcome: ToolOutcome): string {
  if (!outcome.ok) return JSON.stringify({ error: outcome.error });
  return typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result);
}

function activity(
  agent: string,
  turn: number,
  phase: AgentActivity['phase'],
  opts: { tool?: string; args?: unknown; outcome?: ToolOutcome; durationMs?: number },
): AgentActivity {
  return {
    agent,
    turn,
    phase,
    tool: opts.tool ?? null,
    arguments: opts.args === undefined ? null : clippedJson(opts.args),
    result: opts.outcome?.ok ? clippedJson(opts.outcome.result) : null,
    error: opts.outcome && !opts.outcome.ok ? opts.outcome.error : null,
    durationMs: opts.outcome?.durationMs ?? opts.durationMs ?? null,
  };
}

/** JSON text of the value; past the clip, a JSON string holding the start of it (still valid JSON). */
function clippedJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= ACTIVITY_CLIP ? text : JSON.stringify(`${text.slice(0, ACTIVITY_CLIP)}…`);
}
