/**
 * reviewJob and the review callback URL: an answer (APPROVE, EDIT with the output to go on
 * with, REJECT) to the review of one step, checked here and then stored once (a second is a
 * CONFLICT) and delivered (src/jobs/review). An answer for a step the job has not reached
 * yet is kept and used when it gets there; one for a finished job or step is a CONFLICT.
 */
import { isTerminalStatus, type JobDoc, type ReviewAnswerDoc, type ReviewAnswerSourceValue, type ReviewDecisionValue } from '../../db/jobs/index.js';
import { AppError, badInput, conflict, ErrorCode, notFound, REVIEW_DECISIONS } from '../../errors/index.js';
import { DEFAULT_REVIEW_KEY } from '../pipelines/index.js';
import { askedReview, ReviewLinkGoneError, type ReviewClaims } from '../review/index.js';
import type { JobsDomain } from './domain.js';
import { checkJsonLimits, excerpt } from './input-limits.js';

export interface ReviewAnswerInput {
  jobId: string;
  /** The step's name. */
  step: string;
  /** The review's key within the step; absent: the step's open review, else the built-in kinds' key. */
  key?: string | null;
  decision: ReviewDecisionValue;
  /** EDIT only: the output to go on with. */
  output?: unknown;
  comment?: string | null;
}

/** Who answers: an API key or access token (their id in `by`), or a callback URL (its claims say which review). */
export type Reviewer = { via: Extract<ReviewAnswerSourceValue, 'API_KEY' | 'ACCESS_TOKEN'>; by: string } | { via: 'CALLBACK'; claims: ReviewClaims };

const MAX_COMMENT = 4_000;
const STEP_FINISHED = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED']);

/** reviewJob: the tenant's job, or NOT_FOUND. */
export async function reviewJob(d: JobsDomain, tenantId: string, input: ReviewAnswerInput, reviewer: Reviewer): Promise<JobDoc> {
  const job = await d.stores.jobs.findForTenant(tenantId, input.jobId);
  if (!job) throw notFound('job', input.jobId);
  return answer(d, job, input, reviewer);
}

/**
 * A POST to a review's callback URL: the token names the job, step and review; the body
 * (already parsed JSON) is `{ decision, output?, comment? }`. A token that is not ours is
 * UNAUTHENTICATED; one whose review is over throws ReviewLinkGoneError.
 */
export async function reviewByLink(d: JobsDomain, token: string, body: unknown): Promise<JobDoc> {
  const checked = d.reviews.deps.links.verify(token);
  if ('problem' in checked) {
    if (checked.problem === 'expired') throw new ReviewLinkGoneError('this review has timed out; its link no longer answers it');
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'this is not a valid review link');
  }
  const { claims } = checked;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badInput(['body'], 'must be a JSON object { decision, output?, comment? }');
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!['decision', 'output', 'comment'].includes(name)) throw badInput([name], 'is not a field of an answer: decision, output, comment');
  }
  if (fields.comment !== undefined && fields.comment !== null && typeof fields.comment !== 'string') throw badInput(['comment'], 'must be a string');
  const job = await d.stores.jobs.findById(claims.job);
  if (!job) throw new ReviewLinkGoneError('the job of this review no longer exists');
  const input: ReviewAnswerInput = {
    jobId: claims.job,
    step: claims.step,
    key: claims.key,
    decision: fields.decision as ReviewDecisionValue,
    ...(fields.output !== undefined ? { output: fields.output } : {}),
    comment: (fields.comment as string | null | undefined) ?? null,
  };
  return answer(d, job, input, { via: 'CALLBACK', claims }, []);
}

async function answer(d: JobsDomain, job: JobDoc, input: ReviewAnswerInput, reviewer: Reviewer, base: string[] = ['input']): Promise<JobDoc> {
  const decision = checkAnswer(d, input, base);
  const round = job.reviewRound ?? 0;
  if (reviewer.via === 'CALLBACK' && reviewer.claims.round !== round) throw new ReviewLinkGoneError('the job was retried since; this link answered an earlier round of its reviews');
  if (isTerminalStatus(job.status)) throw conflict(`job ${job._id} is ${job.status}; its reviews are closed`);
  const step = job.steps.find((s) => s.name === input.step);
  if (!step) throw badInput([...base, 'step'], `job ${job._id} has no step "${excerpt(input.step)}"; its steps: ${job.steps.map((s) => s.name).join(', ')}`);
  const open = step.review && step.review.round === round && step.review.answer === null ? step.review : null;
  const key = input.key ?? open?.key ?? DEFAULT_REVIEW_KEY;
  const asked = askedReview(step, key, round);
  if (asked?.answer) throw alreadyAnswered(step.name, asked.answer);
  if (STEP_FINISHED.has(step.status) && !asked) throw conflict(`step "${step.name}" of job ${job._id} is ${step.status} without a review "${key}" to answer`);
  const declared = d.kinds.get(job.kind)?.reviews?.(JSON.parse(job.input));
  if (declared && !declared.some((r) => r.step === step.name && r.key === key)) {
    const list = declared.map((r) => (r.key === DEFAULT_REVIEW_KEY ? r.step : `${r.step} (key ${r.key})`)).join(', ') || 'none';
    throw badInput([...base, input.key ? 'key' : 'step'], `step "${step.name}" of job ${job._id} asks for no review "${key}"; its reviews: ${list}`);
  }
  const doc: ReviewAnswerDoc = {
    decision,
    via: reviewer.via,
    by: reviewer.via === 'CALLBACK' ? null : reviewer.by,
    at: new Date(),
    comment: input.comment ?? null,
    output: decision === 'EDIT' ? JSON.stringify(input.output ?? null) : null,
  };
  if (!(await d.reviews.store(job, step.name, key, round, doc))) {
    const stored = await d.reviews.find(job._id, round, step.name, key);
    throw alreadyAnswered(step.name, stored ?? doc);
  }
  return delivered(d, job);
}

/**
 * Delivers a stored answer and returns the job as it stands. A job shown AWAITING_REVIEW whose
 * worker has not parked it yet (milliseconds) gets it from that worker, right after parking;
 * this waits up to PARKING_WAIT_MS for that, so the caller sees the answer on the job.
 */
async function delivered(d: JobsDomain, job: JobDoc): Promise<JobDoc> {
  const deadline = Date.now() + PARKING_WAIT_MS;
  for (;;) {
    if ((await d.reviews.deliver(job._id)) !== 'absent') break;
    const now = await d.stores.jobs.findById(job._id);
    if (now?.status !== 'AWAITING_REVIEW' || Date.now() >= deadline) return now ?? job;
    const open = now.steps.find((s) => s.status === 'AWAITING_REVIEW')?.review;
    if (open?.answer) return now;
    await new Promise((r) => setTimeout(r, 25));
  }
  return (await d.stores.jobs.findById(job._id)) ?? job;
}

/** How long an answer waits for a worker that is parking its job (it then delivers the answer itself). */
const PARKING_WAIT_MS = 3_000;

/** The answer's own fields, checked before anything is read; returns its decision. */
function checkAnswer(d: JobsDomain, input: ReviewAnswerInput, base: string[]): ReviewDecisionValue {
  if (!(REVIEW_DECISIONS as readonly unknown[]).includes(input.decision)) {
    throw badInput([...base, 'decision'], `must be one of ${REVIEW_DECISIONS.join(', ')}`);
  }
  if (input.decision === 'EDIT') {
    if (input.output === undefined || input.output === null) throw badInput([...base, 'output'], 'is required with EDIT: the output to go on with');
    checkJsonLimits(input.output, [...base, 'output'], { maxDepth: d.limits.maxJsonDepth, maxBytes: d.limits.maxInputBytes });
  } else if (input.output !== undefined && input.output !== null) {
    throw badInput([...base, 'output'], `goes with EDIT only; ${input.decision} keeps the output as it is`);
  }
  if (input.comment && input.comment.length > MAX_COMMENT) throw badInput([...base, 'comment'], `is longer than ${MAX_COMMENT} characters`);
  if (typeof input.step !== 'string' || input.step.length === 0) throw badInput([...base, 'step'], 'must name a step of the job');
  if (input.key !== undefined && input.key !== null && (input.key.length === 0 || input.key.length > 200)) throw badInput([...base, 'key'], 'must be 1 to 200 characters');
  return input.decision;
}

function alreadyAnswered(step: string, answer: Pick<ReviewAnswerDoc, 'decision' | 'via' | 'at'>): AppError {
  return conflict(`the review of step "${step}" was answered already: ${answer.decision} (${answer.via}) at ${answer.at.toISOString()}`);
}
