/**
 * Structural limits on caller-supplied JSON (job input, metadata): nesting depth and
 * encoded size. Checked before anything is stored so a hostile payload is refused early.
 */
import { badInput } from '../../errors/index.js';

/** Depth of nesting: a scalar is 0, `{}` or `[]` is 1. */
export function jsonDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit) return depth;
  if (value === null || typeof value !== 'object') return depth;
  let max = depth + 1;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    max = Math.max(max, jsonDepth(v, limit, depth + 1));
    if (max > limit) break;
  }
  return max;
}

export function checkJsonLimits(
  value: unknown,
  path: ReadonlyArray<string | number>,
  limits: { maxDepth: number; maxBytes: number },
): void {
  if (jsonDepth(value, limits.maxDepth) > limits.maxDepth) {
    throw badInput(path, `is nested deeper than ${limits.maxDepth} levels`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  if (bytes > limits.maxBytes) throw badInput(path, `is ${bytes} bytes; at most ${limits.maxBytes} are accepted`);
}
