/**
 * A token's allowance at minting: the configured ceiling (ACCESS_TOKEN_MODELS, …), narrowed
 * by what the minting backend asks for. Asking for more than the ceiling is BAD_USER_INPUT
 * naming the field; the result is stored with the token and never widens afterwards.
 */
import { PRIORITY_LIMIT, type SubmitAllowance } from '../config/index.js';
import { badInput } from '../errors/index.js';

export type { SubmitAllowance };

export interface AllowanceInput {
  models?: readonly string[] | null;
  maxPriority?: number | null;
  maxAttempts?: number | null;
  maxOutputTokens?: number | null;
  budget?: { maxCostUsd?: number | null; maxTokens?: number | null } | null;
}

export function narrowAllowance(ceiling: SubmitAllowance, input: AllowanceInput): SubmitAllowance {
  return {
    models: narrowModels(ceiling.models, input.models),
    maxPriority: wholeUpTo(input.maxPriority, ceiling.maxPriority, -PRIORITY_LIMIT, 'maxPriority', 'ACCESS_TOKEN_MAX_PRIORITY'),
    maxAttempts: wholeUpTo(input.maxAttempts, ceiling.maxAttempts, 1, 'maxAttempts', 'ACCESS_TOKEN_MAX_ATTEMPTS'),
    maxOutputTokens: wholeUpTo(input.maxOutputTokens, ceiling.maxOutputTokens, 1, 'maxOutputTokens', 'ACCESS_TOKEN_MAX_OUTPUT_TOKENS'),
    budget: {
      maxTokens: wholeUpTo(input.budget?.maxTokens, ceiling.budget.maxTokens, 1, 'budget.maxTokens', 'ACCESS_TOKEN_JOB_MAX_TOKENS'),
      maxCostUsd: usdUpTo(input.budget?.maxCostUsd, ceiling.budget.maxCostUsd),
    },
  };
}

function narrowModels(allowed: readonly string[], asked: readonly string[] | null | undefined): string[] {
  if (asked === null || asked === undefined) return [...allowed];
  if (asked.length === 0) throw badInput(['input', 'models'], 'must name at least one model');
  asked.forEach((model, i) => {
    if (!allowed.includes(model)) throw badInput(['input', 'models', i], `"${String(model).slice(0, 100)}" is not open to access tokens (ACCESS_TOKEN_MODELS: ${allowed.join(', ')})`);
  });
  return [...new Set(asked)];
}

/** `asked` when given and within [min, ceiling]; the ceiling when not given (null ceiling: no limit). */
function wholeUpTo<C extends number | null>(asked: number | null | undefined, ceiling: C, min: number, field: string, variable: string): number | C {
  if (asked === null || asked === undefined) return ceiling;
  const max = ceiling ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(asked) || asked < min || asked > max) {
    throw badInput(['input', ...field.split('.')], `must be a whole number from ${min} to ${max}${ceiling === null ? '' : ` (${variable})`}`);
  }
  return asked;
}

function usdUpTo(asked: number | null | undefined, ceiling: number | null): number | null {
  if (asked === null || asked === undefined) return ceiling;
  const max = ceiling ?? 1_000_000;
  if (!(Number.isFinite(asked) && asked > 0 && asked <= max)) {
    throw badInput(['input', 'budget', 'maxCostUsd'], `must be above 0 and at most ${max}${ceiling === null ? '' : ' (ACCESS_TOKEN_JOB_MAX_USD)'}`);
  }
  return asked;
}
