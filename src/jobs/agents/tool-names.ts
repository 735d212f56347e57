/**
 * A tool's name and the name the model sees. Chat Completions accepts only 1 to 64 letters,
 * digits, `_` and `-`, while an MCP server's tool is named `server.tool` (and MCP allows dots
 * and up to 128 characters), so such a name is offered as `server__tool`, cut and suffixed
 * with a hash when longer than 64. The same name always maps to the same model name, so a
 * resumed run reads its stored answers' tool calls correctly.
 */
import { createHash } from 'node:crypto';

/** What Chat Completions accepts as a function name. */
const MODEL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A tool's own name: what a module's tool may be called (no dot: dots separate an MCP server's name from its tool's). */
export const PLAIN_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Any tool ctx.agent accepts: a plain name, or `server.tool` with MCP's wider alphabet. */
export const TOOL_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;

export function modelToolName(name: string): string {
  if (MODEL_NAME.test(name)) return name;
  const safe = name.replace(/\./g, '__').replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe.length <= 64) return safe;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${safe.slice(0, 55)}_${hash}`;
}

/** Two tools of one run that the model could not tell apart, if any: [first, second, model name]. */
export function modelNameClash(names: readonly string[]): [string, string, string] | undefined {
  const seen = new Map<string, string>();
  for (const name of names) {
    const model = modelToolName(name);
    const earlier = seen.get(model);
    if (earlier !== undefined && earlier !== name) return [earlier, name, model];
    seen.set(model, name);
  }
  return undefined;
}
