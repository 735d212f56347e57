/**
 * A submission made with an access token, held to the token's allowance (fixed when it was
 * minted): what the request names must lie within it (FORBIDDEN naming the field), and what
 * it leaves out takes the allowance's value, so every such job has a budget, a cap on each
 * answer, a bounded number of attempts and a priority no higher than allowed. Pure.
 */
import type { SubmitAllowance } from '../../config/index.js';
import { AppError, ErrorCode } from '../../errors/index.js';

type Path = ReadonlyArray<string | number>;

/** The fields of a submission that an allowance bounds. */
export interface AllowedFields {
  model?: string | null;
  maxOutputTokens?: number | null;
  budget?: { maxCostUsd?: number | null; maxTokens?: number | null } | null;
  priority?: number | null;
  maxAttempts?: number | null;
}

export interface AllowanceContext {
  /** The model a job that names none runs on (absent: models cannot be chosen here). */
  defaultModel?: string;
  defaultMaxAttempts: number;
  /** Models and answer caps the input names per step, with their path within input. */
  stepModels: ReadonlyArray<readonly [Path, string]>;
  stepOutputTokens: ReadonlyArray<readonly [Path, number]>;
}

const forbidden = (path: Path, message: string): AppError => new AppError(ErrorCode.FORBIDDEN, `${path.join('.')}: ${message}`, path);

/** `req` with the allowance applied; `req` itself when there is no allowance (an API key). */
export function holdToAllowance<R extends AllowedFields>(allowance: SubmitAllowance | null | undefined, req: R, c: AllowanceContext): R {
  if (!allowance) return req;
  const models = allowance.models.join(', ');
  if (req.model != null && !allowance.models.includes(req.model)) {
    throw forbidden(['input', 'model'], `this access token may use only ${models}`);
  }
  for (const [path, model] of c.stepModels) {
    if (!allowance.models.includes(model)) throw forbidden(['input', 'input', ...path], `this access token may use only ${models}`);
  }
  const cap = allowance.maxOutputTokens;
  if (req.maxOutputTokens != null && req.maxOutputTokens > cap) throw forbidden(['input', 'maxOutputTokens'], `this access token allows at most ${cap}`);
  for (const [path, n] of c.stepOutputTokens) {
    if (n > cap) throw forbidden(['input', 'input', ...path], `this access token allows at most ${cap}`);
  }
  if (req.priority != null && req.priority > allowance.maxPriority) throw forbidden(['input', 'priority'], `this access token allows at most ${allowance.maxPriority}`);
  if (req.maxAttempts != null && req.maxAttempts > allowance.maxAttempts) {
    throw forbidden(['input', 'maxAttempts'], `this access token allows at most ${allowance.maxAttempts}`);
  }
  // The default model may be closed to tokens: then their jobs run on the first they may use.
  const model = req.model ?? (c.defaultModel !== undefined && !allowance.models.includes(c.defaultModel) ? allowance.models[0] : null);
  return {
    ...req,
    model,
    maxOutputTokens: req.maxOutputTokens ?? cap,
    budget: heldBudget(allowance.budget, req.budget),
    priority: req.priority ?? Math.min(0, allowance.maxPriority),
    maxAttempts: req.maxAttempts ?? Math.min(c.defaultMaxAttempts, allowance.maxAttempts),
  };
}

/** Each limit the allowance sets: the request's when it is smaller, else the allowance's. */
function heldBudget(allowed: SubmitAllowance['budget'], asked: AllowedFields['budget']): { maxCostUsd: number | null; maxTokens: number | null } {
  const one = (field: 'maxCostUsd' | 'maxTokens'): number | null => {
    const limit = allowed[field];
    const value = asked?.[field] ?? null;
    if (limit === null) return value;
    if (value === null) return limit;
    if (value > limit) throw forbidden(['input', 'budget', field], `this access token allows at most ${limit}`);
    return value;
  };
  return { maxCostUsd: one('maxCostUsd'), maxTokens: one('maxTokens') };
}
