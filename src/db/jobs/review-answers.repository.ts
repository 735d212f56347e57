/**
 * `review_answers`: the answers to reviews (src/jobs/review), one per review, under an `_id`
 * made of the job, its review round, the step and the review's key. The insert is the answer:
 * a second one for the same review fails on the unique `_id` on MongoDB and FerretDB alike (a
 * CONFLICT), and an answer given before the job reached its review is simply there when it
 * does. The answers of a job are deleted when it finishes, so the collection holds those of
 * unfinished jobs only.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';
import type { ReviewAnswerDoc } from './docs.js';

export interface StoredReviewAnswerDoc extends ReviewAnswerDoc {
  _id: string;
  jobId: string;
  tenantId: string;
  step: string;
  key: string;
  round: number;
}

/** Step names and keys are free text: each part is encoded so that no two ids collide. */
export const reviewAnswerId = (jobId: string, round: number, step: string, key: string): string =>
  `${jobId}|${round}|${encodeURIComponent(step)}|${encodeURIComponent(key)}`;

export class ReviewAnswersRepository {
  readonly collection: Collection<StoredReviewAnswerDoc>;

  constructor(db: Db) {
    this.collection = db.collection<StoredReviewAnswerDoc>('review_answers');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ jobId: 1 });
  }

  /** True when this call stored the answer; false when the review has one already. */
  insert(answer: StoredReviewAnswerDoc): Promise<boolean> {
    return insertUnlessTaken(this.collection, answer);
  }

  findById(id: string): Promise<StoredReviewAnswerDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** A finished job's answers (the collection holds those of unfinished jobs only). */
  async deleteForJob(jobId: string): Promise<void> {
    await this.collection.deleteMany({ jobId });
  }
}
