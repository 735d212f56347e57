/** AI control: what surrounds every AI call — model policy and per-job options, execution mode, the response cache, budgets, the shared rate limit, tenant fairness, output streaming, usage. */
export { BudgetExceededError } from './budget-exceeded-error.js';
export { TenantBudgets } from './tenant-budgets.js';
export type { TenantBudgetView, TenantBudgetsOptions } from './tenant-budgets.js';
export { cachedAnswer, callParameters, holdBudgets, keepAnswer, openOutput, promptCacheKey } from './call-control.js';
export type { AiControl, BudgetHold } from './call-control.js';
export { modelPolicyFrom } from './model-policy.js';
export { checkSubmissionAi } from './options.js';
export { batchDeadlineOf, checkExecutionOptions } from './execution-options.js';
export type { ExecutionOptionsDoc, ExecutionOptionsRequest } from './execution-options.js';
export type { AiOptionsRequest, ModelPolicy } from './options.js';
export { OutputStreamWriter } from './output-stream-writer.js';
export { cacheKey, ResponseCache } from './response-cache.js';
export type { ResponseCacheOptions } from './response-cache.js';
export { SharedRateLimit } from './shared-rate-limit.js';
export { TenantFairness } from './tenant-fairness.js';
export { addUsage, realtimeOf, usageOfCall } from './usage.js';
