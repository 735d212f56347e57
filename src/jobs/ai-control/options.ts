/**
 * Per-job AI parameters and budgets: checked on submission (BAD_USER_INPUT naming the
 * field), stored on the job, and resolved for each call (a chain step may override).
 */
import { priceFor, type PriceTable } from '../../ai/index.js';
import { badInput } from '../../errors/index.js';

/** Stored on the job; null fields fall back to the deployment's defaults. */
export interface JobAiOptionsDoc {
  model: string | null;
  temperature: number | null;
  maxOutputTokens: number | null;
}

export interface JobBudgetDoc {
  maxCostUsd: number | null;
  maxTokens: number | null;
}

/** What a submission may carry (the GraphQL input's optional fields). */
export interface AiOptionsRequest {
  model?: string | null;
  temperature?: number | null;
  maxOutputTokens?: number | null;
  budget?: { maxCostUsd?: number | null; maxTokens?: number | null } | null;
}

/** The deployment's models: which may be asked for, the default, and each one's window. */
export interface ModelPolicy {
  defaultModel: string;
  models: readonly string[];
  prices: PriceTable;
  /** The context window documents are chunked to fit, for `model`. */
  contextTokens(model: string): number;
}

export const MAX_OUTPUT_TOKENS_LIMIT = 1_000_000;
const MAX_BUDGET_USD = 1_000_000;

/** The options every kind accepts at job level; `chain` steps accept the first three too. */
export const JOB_AI_OPTIONS = ['model', 'temperature', 'maxOutputTokens', 'budget'] as const;

export function checkModel(model: string | null | undefined, policy: ModelPolicy, path: ReadonlyArray<string | number>): string | null {
  if (model === null || model === undefined) return null;
  if (!policy.models.includes(model)) throw badInput(path, `"${model}" is not an allowed model; allowed: ${policy.models.join(', ')}`);
  return model;
}

export function checkTemperature(t: number | null | undefined, path: ReadonlyArray<string | number>): number | null {
  if (t === null || t === undefined) return null;
  if (!(Number.isFinite(t) && t >= 0 && t <= 2)) throw badInput(path, 'must be a number from 0 to 2');
  return t;
}

export function checkMaxOutputTokens(n: number | null | undefined, path: ReadonlyArray<string | number>): number | null {
  if (n === null || n === undefined) return null;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_OUTPUT_TOKENS_LIMIT)) {
    throw badInput(path, `must be a whole number from 1 to ${MAX_OUTPUT_TOKENS_LIMIT}`);
  }
  return n;
}

/** The job-level options of a submission, or null when it sets none. */
export function checkAiOptions(req: AiOptionsRequest, policy: ModelPolicy, base: readonly string[]): JobAiOptionsDoc | null {
  const doc: JobAiOptionsDoc = {
    model: checkModel(req.model, policy, [...base, 'model']),
    temperature: checkTemperature(req.temperature, [...base, 'temperature']),
    maxOutputTokens: checkMaxOutputTokens(req.maxOutputTokens, [...base, 'maxOutputTokens']),
  };
  return doc.model === null && doc.temperature === null && doc.maxOutputTokens === null ? null : doc;
}

export function checkBudget(req: AiOptionsRequest['budget'], base: readonly string[]): JobBudgetDoc | null {
  if (req === null || req === undefined) return null;
  const path = [...base, 'budget'];
  const usd = req.maxCostUsd ?? null;
  const tokens = req.maxTokens ?? null;
  if (usd !== null && !(Number.isFinite(usd) && usd > 0 && usd <= MAX_BUDGET_USD)) {
    throw badInput([...path, 'maxCostUsd'], `must be a number above 0 and at most ${MAX_BUDGET_USD}`);
  }
  if (tokens !== null && !(Number.isInteger(tokens) && tokens >= 1)) throw badInput([...path, 'maxTokens'], 'must be a whole number of at least 1');
  if (usd === null && tokens === null) throw badInput(path, 'needs maxCostUsd, maxTokens or both');
  return { maxCostUsd: usd, maxTokens: tokens };
}

/** A cost budget needs a price: refuse it up front for a model the price table lacks. */
export function checkBudgetPriced(budget: JobBudgetDoc | null, model: string, prices: PriceTable, base: ReadonlyArray<string | number>): void {
  if (budget?.maxCostUsd != null && !priceFor(model, prices)) {
    throw badInput([...base, 'budget', 'maxCostUsd'], `model "${model}" has no price (AI_PRICES), so a cost budget cannot be kept`);
  }
}

/**
 * Everything AI-related of one submission, checked: the job-level options and budget, and
 * any model the input asks for per step. Without a policy (a deployment that does not
 * configure one), the options are stored as given after the range checks.
 */
export function checkSubmissionAi(
  req: AiOptionsRequest,
  policy: ModelPolicy | undefined,
  base: readonly string[],
  stepModels: Array<[ReadonlyArray<string | number>, string]>,
): { ai: JobAiOptionsDoc | null; budget: JobBudgetDoc | null } {
  const open: ModelPolicy = policy ?? { defaultModel: '', models: [], prices: {}, contextTokens: () => 0 };
  const ai = policy ? checkAiOptions(req, open, base) : null;
  if (!policy && req.model != null) throw badInput([...base, 'model'], 'models cannot be chosen on this deployment');
  for (const [path, model] of stepModels) checkModel(model, open, [...base, 'input', ...path]);
  const budget = checkBudget(req.budget, base);
  if (policy) {
    checkBudgetPriced(budget, ai?.model ?? policy.defaultModel, policy.prices, base);
    for (const [path, model] of stepModels) checkBudgetPriced(budget, model, policy.prices, [...base, 'input', ...path]);
  }
  return { ai, budget };
}
