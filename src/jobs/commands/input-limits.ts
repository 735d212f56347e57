/**
 * Structural limits on caller-supplied JSON (job input, metadata): nesting depth, numbers
 * that JSON can hold, and encoded size. Checked before anything is stored so a hostile
 * payload is refused early.
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

/**
 * The path of the first number JSON cannot hold (`1e999` arrives as Infinity, and
 * would be stored as null without a word), or undefined when there is none.
 */
export function nonFiniteNumberPath(value: unknown, path: ReadonlyArray<string | number>, limit: number): ReadonlyArray<string | number> | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== 'object' || path.length > limit + 8) return undefined;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const found = nonFiniteNumberPath(v, [...path, k], limit);
    if (found) return found;
  }
  return undefined;
}

/** A caller's text in an error message: at most `max` characters, so a huge value is not echoed whole. */
export function excerpt(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export function checkJsonLimits(
  value: unknown,
  path: ReadonlyArray<string | number>,
  limits: { maxDepth: number; maxBytes: number },
): void {
  if (jsonDepth(value, limits.maxDepth) > limits.maxDepth) {
    throw badInput(path, `is nested deeper than ${limits.maxDepth} levels`);
  }
  const bad = nonFiniteNumberPath(value, path, limits.maxDepth);
  if (bad) throw badInput(bad, 'is a number JSON cannot represent (too large, or not finite)');
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  if (bytes > limits.maxBytes) throw badInput(path, `is ${bytes} bytes; at most ${limits.maxBytes} are accepted`);
}
