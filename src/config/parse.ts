/**
 * Small pure parsers for environment values. Each throws a ConfigError that names the
 * variable, the value it got and what it expected, so a bad deployment fails at start.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export function readString(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function readOptional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, raw, `a whole number from ${min} to ${max}`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(name, raw, `a whole number from ${min} to ${max}`);
  return n;
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(name, raw, 'true or false');
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(name, raw, `one of ${allowed.join(', ')}`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration such as `500ms`, `5s`, `30m`, `2h`, `5d` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

export function readDuration(env: Env, name: string, fallback: string): number {
  const raw = readString(env, name, fallback);
  const ms = parseDuration(raw);
  if (ms === undefined) throw new ConfigError(name, raw, 'a duration such as 500ms, 5s, 30m, 2h or 5d');
  return ms;
}

/** A comma-separated list of durations, e.g. `0s,5s,5m`: at least one entry. */
export function readDurationList(env: Env, name: string, fallback: string): number[] {
  const raw = readString(env, name, fallback);
  const parts = raw.split(',');
  const out = parts.map((p) => parseDuration(p));
  if (out.length === 0 || out.some((v) => v === undefined)) {
    throw new ConfigError(name, raw, 'a comma-separated list of durations such as 0s,5s,5m,30m,2h');
  }
  return out as number[];
}

export function readUrl(env: Env, name: string): string | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(name, raw, 'an absolute URL');
  }
  return raw;
}

/** JSON object in an env var, validated by the caller's check. */
export function readJson<T>(env: Env, name: string, fallback: T, check: (v: unknown) => v is T, expected: string): T {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, raw, expected);
  }
  if (!check(parsed)) throw new ConfigError(name, raw, expected);
  return parsed;
}
