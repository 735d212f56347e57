/**
 * The `review` option of the built-in kinds — a chain step's `review`, document.analyze's
 * `review` — as JSON Schema and checks: `{ instructions?, timeout?, onTimeout? }`, a timeout
 * written like the service's other durations.
 */
import { parseDuration } from '../../config/index.js';
import type { ReviewRequest } from './kind.js';

export interface ReviewOptions {
  instructions?: string;
  timeout?: string;
  onTimeout?: 'APPROVE' | 'REJECT';
}

/** The key of the built-in kinds' reviews, and of an answer that names none for a step with none open. */
export const DEFAULT_REVIEW_KEY = 'review';

/** A review's timeout: at most 366 days. */
export const MAX_REVIEW_TIMEOUT_MS = 366 * 86_400_000;

export const reviewOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Wait for a person to approve, edit or reject the output before the job goes on (reviewJob, or the callback URL of the job.review_requested webhook).',
  properties: {
    instructions: { type: 'string', maxLength: 4000, description: 'What the reviewer should look for.' },
    timeout: { type: 'string', description: 'How long to wait for an answer, e.g. 90s, 2h, 3d (at most 366d); absent: it waits however long it takes.' },
    onTimeout: { enum: ['APPROVE', 'REJECT'], description: 'What an unanswered review does after its timeout; default REJECT.' },
  },
} as const;

/** `timeout` in ms (null: none), or what is wrong with it. */
export function parseReviewTimeout(timeout: string | null | undefined): { ms: number | null } | { problem: string } {
  if (timeout === null || timeout === undefined) return { ms: null };
  const ms = typeof timeout === 'string' ? parseDuration(timeout) : undefined;
  if (ms === undefined || ms <= 0 || ms > MAX_REVIEW_TIMEOUT_MS) return { problem: 'must be a duration such as 90s, 30m, 2h or 3d, at most 366d' };
  return { ms };
}

/** Problems of review options, as [path within them, message]. */
export function reviewOptionProblems(options: ReviewOptions): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  const timeout = parseReviewTimeout(options.timeout);
  if ('problem' in timeout) problems.push([['timeout'], timeout.problem]);
  if (options.onTimeout !== undefined && options.timeout === undefined) problems.push([['onTimeout'], 'needs a timeout']);
  return problems;
}

/** What `ctx.review` is asked, for `output` under these options. */
export function reviewRequestOf(options: ReviewOptions, output: unknown): ReviewRequest {
  return {
    output,
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.onTimeout !== undefined ? { onTimeout: options.onTimeout } : {}),
  };
}
