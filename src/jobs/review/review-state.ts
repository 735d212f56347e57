/**
 * Pure facts about reviews, shared by the worker that asks and the wakers that answer: a
 * review's record, the open review of a job, what an answer means for the step, and how
 * it reads in an event.
 */
import type { JobDoc, JobErrorDoc, ReviewAnswerDoc, StepDoc, StepReviewDoc, StoredReviewAnswerDoc } from '../../db/jobs/index.js';
import { InvalidJobInputError, parseReviewTimeout, type ReviewRequest } from '../pipelines/index.js';

/** The record of a review asked for now. */
export function newReview(key: string, round: number, req: ReviewRequest, now: Date): StepReviewDoc {
  const timeout = parseReviewTimeout(req.timeout);
  if ('problem' in timeout) throw new InvalidJobInputError(`review "${key}": timeout ${timeout.problem}`);
  return {
    key,
    round,
    instructions: req.instructions ?? null,
    output: JSON.stringify(req.output ?? null),
    requestedAt: now,
    expiresAt: timeout.ms === null ? null : new Date(now.getTime() + timeout.ms),
    // A review that times out without saying what then happens rejects: nothing goes on unseen.
    onTimeout: timeout.ms === null ? null : (req.onTimeout ?? 'REJECT'),
    answer: null,
  };
}

/** The step's review of this round and key, if it was asked. */
export function askedReview(step: StepDoc, key: string, round: number): StepReviewDoc | null {
  const r = step.review;
  return r && r.key === key && r.round === round ? r : null;
}

/** The review the job waits for: a step AWAITING_REVIEW with a review of the job's round and no answer. */
export function openReviewOf(job: JobDoc): { index: number; step: StepDoc; review: StepReviewDoc } | null {
  const round = job.reviewRound ?? 0;
  for (const [index, step] of job.steps.entries()) {
    const review = step.review;
    if (step.status === 'AWAITING_REVIEW' && review && review.round === round && review.answer === null) return { index, step, review };
  }
  return null;
}

export function toAnswerDoc(stored: StoredReviewAnswerDoc): ReviewAnswerDoc {
  return { decision: stored.decision, via: stored.via, by: stored.by, at: stored.at, comment: stored.comment, output: stored.output };
}

/** What the step goes on with: its output as reviewed (APPROVE) or as edited (EDIT). A REJECT goes on with nothing. */
export function approvedOutput(review: StepReviewDoc, answer: ReviewAnswerDoc): unknown {
  return JSON.parse(answer.decision === 'EDIT' && answer.output !== null ? answer.output : review.output);
}

/** The job's error once its review of `step` was rejected. */
export function rejectedError(step: string, answer: ReviewAnswerDoc): JobErrorDoc {
  const how = answer.via === 'TIMEOUT' ? 'no answer came before its timeout, and its onTimeout is REJECT' : `rejected (${answer.via})`;
  return {
    code: 'REVIEW_REJECTED',
    message: `the review of step "${step}": ${how}${answer.comment ? `: ${answer.comment}` : ''}`,
    retryable: false,
    step,
    at: answer.at,
  };
}

/** The event message of an answer, e.g. `EDIT (API_KEY 3f2a…): shorter please`. */
export function describeAnswer(step: string, answer: ReviewAnswerDoc): string {
  const who = answer.by ? `${answer.via} ${answer.by}` : answer.via;
  return `Review of ${step}: ${answer.decision} (${who})${answer.comment ? `: ${answer.comment}` : ''}`;
}
