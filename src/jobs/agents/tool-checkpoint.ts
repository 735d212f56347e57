/**
 * One tool call, run at most once to its end: its outcome (result or error) is checkpointed
 * before the loop uses it, so a retried or resumed job reads the outcome instead of calling
 * the tool again. Only a worker that dies between the tool's effect and that write can repeat
 * it; `callId` lets a tool make its effect idempotent against exactly that.
 */
import type { AgentTool, AgentToolContext } from './types.js';

export interface ToolOutcome {
  ok: boolean;
  /** What the tool returned (JSON), or null on an error. */
  result: unknown;
  error: string | null;
  durationMs: number;
}

export interface ToolCheckpoints {
  get(key: string): Promise<unknown | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

export interface ToolRun {
  key: string;
  tool: AgentTool;
  args: unknown;
  context: Omit<AgentToolContext, 'signal'>;
  /** The job's signal: its abort stops the tool and leaves no checkpoint (the call did not finish). */
  signal: AbortSignal;
  timeoutMs: number;
}

/** The stored outcome of this call, if an earlier attempt finished it. */
export async function storedOutcome(checkpoints: ToolCheckpoints, key: string): Promise<ToolOutcome | undefined> {
  return (await checkpoints.get(key)) as ToolOutcome | undefined;
}

/** Runs the tool (bounded by its time limit and the job's signal) and checkpoints how it ended. */
export async function runToolOnce(checkpoints: ToolCheckpoints, run: ToolRun): Promise<ToolOutcome> {
  run.signal.throwIfAborted();
  const outcome = await runBounded(run);
  await checkpoints.put(run.key, outcome);
  return outcome;
}

async function runBounded(run: ToolRun): Promise<ToolOutcome> {
  const started = Date.now();
  const timeout = new AbortController();
  const signal = AbortSignal.any([run.signal, timeout.signal]);
  let timer: NodeJS.Timeout | undefined;
  // A tool that ignores its signal is not waited for past its limit.
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => timeout.abort(new ToolTimeout(run.timeoutMs)), run.timeoutMs);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  stopped.catch(() => {});
  try {
    const value = await Promise.race([Promise.resolve().then(() => run.tool.run(run.args, { ...run.context, signal })), stopped]);
    return { ok: true, result: toJson(value), error: null, durationMs: Date.now() - started };
  } catch (err) {
    // The job stopping (cancel, lost lease, drain, timeout) is not the tool's failure: no outcome is kept.
    if (run.signal.aborted) throw run.signal.reason;
    const error = err instanceof ToolTimeout ? err.message : `the tool failed: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, result: null, error, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

class ToolTimeout extends Error {
  constructor(ms: number) {
    super(`the tool did not finish within ${ms} ms (AGENT_TOOL_TIMEOUT)`);
  }
}

/** What the tool returned as plain JSON (undefined → null); a value JSON cannot hold is a tool error. */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('it returned a value that is not JSON');
  return JSON.parse(text) as unknown;
}
