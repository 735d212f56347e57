/**
 * Human review steps. A step asks with `ctx.review(key, { output, instructions, timeout,
 * onTimeout })` (`request`); an answer is one document in `review_answers` under an `_id`
 * made of the job, its review round, the step and the key (`store`), so that a second
 * answer is refused on every server and an answer given early is there when the step asks.
 *
 * The worker that reaches a review with no answer saves the step AWAITING_REVIEW with what
 * to review, tells the notifier (the `job.review_requested` webhook, with a one-time callback
 * URL), sets a timer for the timeout if there is one, and parks the job (lifecycle/park.ts):
 * no worker is held while it waits. Whoever learns of an answer — the reviewJob mutation, the
 * callback URL, the timeout's timer, or the worker itself right after parking — `deliver`s
 * it: under a fresh lease of the parked job the answer is written on the step (REVIEWED), and
 * the job goes back to the queue (APPROVE, EDIT) or fails with REVIEW_REJECTED (REJECT). The
 * resumed step runs again from its start, its AI calls answered from their checkpoints, and
 * `ctx.review` returns the reviewed output, so an EDIT replaces the step's output before any
 * later step uses it.
 *
 * Nothing is lost to a crash: the answer is stored before it is delivered, and a timer set
 * before the store checks a little later that it reached the job; a worker dying while it asks
 * leaves a lease that runs out, and the resumed step asks again (same review, same webhook).
 */
import { reviewAnswerId, type JobDoc, type ReviewAnswerDoc, type StepDoc, type StepReviewDoc, type StoredReviewAnswerDoc, type TimerDoc } from '../../db/jobs/index.js';
import {
  finishJob,
  type JobNotifier,
  type JobStores,
  type JobTimers,
  type LeasedJob,
  ParkRequest,
  parkFor,
  wakeParked,
  type WakeOutcome,
} from '../lifecycle/index.js';
import type { ReviewRequest } from '../pipelines/index.js';
import { ReviewRejectedError } from './review-errors.js';
import type { ReviewLinks } from './review-links.js';
import { approvedOutput, askedReview, describeAnswer, newReview, openReviewOf, rejectedError, toAnswerDoc } from './review-state.js';

export interface ReviewDeps {
  stores: JobStores;
  notifier: JobNotifier;
  links: ReviewLinks;
  timers: JobTimers;
  /** This process, in the leases a delivery takes. */
  owner: string;
  /** JOB_LEASE: a delivery's lease; also how long after an answer its check fires. */
  leaseMs: number;
  /** A wake-up for a job the answer sends back to the queue. */
  enqueue(jobId: string, priority: number): Promise<void>;
}

/** The id of the timer that fires a review's timeout. */
const timeoutTimerId = (answerId: string): string => `review-timeout:${answerId}`;
/** The id of the timer that checks an answer reached its job (in case its writer died in between). */
const answerTimerId = (answerId: string): string => `review-answer:${answerId}`;

export class Reviews {
  constructor(readonly deps: ReviewDeps) {}

  /** `ctx.review` for the step at `stepIndex` of a job this worker holds; see the file's comment. */
  async request(job: LeasedJob, stepIndex: number, key: string, req: ReviewRequest): Promise<unknown> {
    const { stores } = this.deps;
    const step = job.doc.steps[stepIndex]!;
    const round = job.doc.reviewRound ?? 0;
    const asked = askedReview(step, key, round);
    // Answered and written on the step already: by a delivery that woke the job, or an earlier run of the step.
    if (asked?.answer) return this.outcome(job, step.name, asked, asked.answer);
    const review = asked ?? newReview(key, round, req, new Date());
    const id = reviewAnswerId(job.id, round, step.name, key);
    let answer = await job.durably(() => stores.reviewAnswers.findById(id));
    if (!answer && review.expiresAt && review.expiresAt.getTime() <= Date.now()) answer = await job.durably(() => this.answerOnTimeout(job.doc, step.name, review));
    if (answer) {
      const answered: StepReviewDoc = { ...review, answer: toAnswerDoc(answer) };
      const saved: StepDoc = { ...job.doc.steps[stepIndex]!, review: answered };
      await job.saveStep(saved);
      await job.emit('REVIEWED', { step: saved, message: describeAnswer(step.name, answered.answer!) });
      return this.outcome(job, step.name, answered, answered.answer!);
    }
    if (review.expiresAt) await job.durably(() => this.deps.timers.set(timeoutTimerId(id), 'review', job.id, review.expiresAt!));
    const waiting: StepDoc = { ...job.doc.steps[stepIndex]!, status: 'AWAITING_REVIEW', review };
    const message = `Waiting for a review of ${step.name}`;
    await job.saveStep(waiting, { status: 'AWAITING_REVIEW' }, message);
    await job.emit('REVIEW_REQUESTED', { step: waiting, message: review.instructions ? `${message}: ${review.instructions}` : message });
    const { answer: _unanswered, ...notice } = review;
    await job.durably(() => this.deps.notifier.reviewRequested(job.doc, { step: step.name, ...notice, callbackUrl: this.callbackUrl(job.id, step.name, review) }));
    // Parked by the runner; an answer that came while it asked is delivered right after.
    throw new ParkRequest(parkFor('AWAITING_REVIEW', review.expiresAt), async () => void (await this.deliver(job.id)));
  }

  /** The one-time URL that answers this review without an API key. */
  callbackUrl(jobId: string, step: string, review: StepReviewDoc): string {
    return this.deps.links.url({ job: jobId, step, key: review.key, round: review.round, exp: review.expiresAt?.getTime() ?? null });
  }

  /**
   * Stores an answer (a unique `_id`): false when the review has one already. A timer set
   * first makes sure it reaches a parked job even if this process dies before `deliver`.
   */
  async store(job: JobDoc, step: string, key: string, round: number, answer: ReviewAnswerDoc): Promise<boolean> {
    const _id = reviewAnswerId(job._id, round, step, key);
    await this.deps.timers.set(answerTimerId(_id), 'review', job._id, new Date(Date.now() + this.deps.leaseMs));
    return this.deps.stores.reviewAnswers.insert({ _id, jobId: job._id, tenantId: job.tenantId, step, key, round, ...answer });
  }

  /** The stored answer of a review, if any. */
  find(jobId: string, round: number, step: string, key: string): Promise<StoredReviewAnswerDoc | null> {
    return this.deps.stores.reviewAnswers.findById(reviewAnswerId(jobId, round, step, key));
  }

  /**
   * If the job is parked on a review that has an answer (or whose timeout passed: its onTimeout
   * is stored as the answer), writes it on the step and moves the job on. 'absent' when the job
   * is not parked on a review (it has not reached it, or someone else delivered).
   */
  deliver(jobId: string): Promise<WakeOutcome | 'absent'> {
    const { stores, owner, leaseMs } = this.deps;
    const requeue = (doc: JobDoc) => this.deps.enqueue(doc._id, doc.priority);
    return wakeParked({ stores, owner, leaseMs, requeue }, jobId, ['AWAITING_REVIEW'], async (job) => {
      const open = openReviewOf(job.doc);
      if (!open) return 'stay';
      const { step, review } = open;
      let answer = await this.find(job.id, review.round, step.name, review.key);
      if (!answer && review.expiresAt && review.expiresAt.getTime() <= Date.now()) answer = await this.answerOnTimeout(job.doc, step.name, review);
      if (!answer) return 'stay';
      const outcome = await this.applyWhileParked(job, open.index, review, toAnswerDoc(answer));
      if (review.expiresAt) await this.deps.timers.clear(timeoutTimerId(answer._id));
      return outcome;
    });
  }

  /** The handler of 'review' timers: a timeout, or the check that an answer reached its job. */
  readonly onTimer = async (timer: TimerDoc): Promise<void> => {
    await this.deliver(timer.ref);
  };

  /** A parked job's answer, under the waker's lease: back to the queue, or FAILED for a REJECT. */
  private async applyWhileParked(job: LeasedJob, index: number, review: StepReviewDoc, answer: ReviewAnswerDoc): Promise<WakeOutcome> {
    const step = job.doc.steps[index]!;
    const answered: StepReviewDoc = { ...review, answer };
    const message = describeAnswer(step.name, answer);
    if (answer.decision === 'REJECT') {
      const error = rejectedError(step.name, answer);
      const now = new Date();
      const failed: StepDoc = { ...step, status: 'FAILED', review: answered, error, finishedAt: now, durationMs: now.getTime() - (step.startedAt ?? now).getTime() };
      await job.saveStep(failed);
      await job.emit('REVIEWED', { step: failed, message });
      await job.durably(() => job.stores.checkpoints.deleteForStep(job.id, step.name));
      await finishJob(job, this.deps.notifier, 'FAILED', { error }, `Failed: ${error.message}`);
      return 'finished';
    }
    // The step runs again when a worker takes the job, and its ctx.review returns this answer.
    const resumed: StepDoc = { ...step, status: 'PENDING', review: answered };
    await job.saveStep(resumed, { status: 'QUEUED', wokenBy: `review of ${step.name} answered` }, `Queued: ${message}`);
    await job.emit('REVIEWED', { step: resumed, message });
    return 'queue';
  }

  /** The answer of a review asked earlier: the reviewed or edited output, or a REJECT (its step's answers are dropped first, so a retry asks the model again). */
  private async outcome(job: LeasedJob, step: string, review: StepReviewDoc, answer: ReviewAnswerDoc): Promise<unknown> {
    if (answer.decision !== 'REJECT') return approvedOutput(review, answer);
    await job.durably(() => job.stores.checkpoints.deleteForStep(job.id, step));
    throw new ReviewRejectedError(rejectedError(step, answer).message);
  }

  /** Stores the review's onTimeout as its answer, unless someone answered first: the stored answer either way. */
  private async answerOnTimeout(job: JobDoc, step: string, review: StepReviewDoc): Promise<StoredReviewAnswerDoc> {
    const _id = reviewAnswerId(job._id, review.round, step, review.key);
    const waited = review.expiresAt ? review.expiresAt.getTime() - review.requestedAt.getTime() : 0;
    const stored: StoredReviewAnswerDoc = {
      _id,
      jobId: job._id,
      tenantId: job.tenantId,
      step,
      key: review.key,
      round: review.round,
      decision: review.onTimeout ?? 'REJECT',
      via: 'TIMEOUT',
      by: null,
      at: new Date(),
      comment: `no answer within ${Math.round(waited / 1000)} s`,
      output: null,
    };
    if (await this.deps.stores.reviewAnswers.insert(stored)) return stored;
    return (await this.deps.stores.reviewAnswers.findById(_id)) ?? stored;
  }
}
