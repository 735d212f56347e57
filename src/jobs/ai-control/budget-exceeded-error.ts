/** Thrown before an AI call that would pass the job's or the tenant's budget. Not retried. */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
}
