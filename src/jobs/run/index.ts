/** Run: the worker loop, the runner of one attempt, the step context, the lost-work sweep, and the one place a failed attempt's fate is decided (retrying.ts). */
export { cancelledJobError, decideAttempt, jobRetryDelayMs } from './retrying.js';
export type { AttemptOutcome, RetryPolicy } from './retrying.js';
export { toJobError } from './job-error.js';
export { RunInterrupted } from './interrupted.js';
export { startJobWorker } from './worker.js';
export type { JobWorker, WorkerOptions } from './worker.js';
