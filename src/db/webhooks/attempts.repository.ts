/**
 * The `webhook_attempts` collection: one row per HTTP attempt of a delivery, never
 * deleted, the delivery's log.
 *
 * The row is written BEFORE the request is sent, under `_id: <deliveryId>:<number>`: that
 * insert is the claim on attempt number N. A unique `_id` lets exactly one insert succeed
 * on MongoDB and FerretDB alike, so even two dispatchers that both believe they hold a
 * delivery's lease (FerretDB's findAndModify is not atomic) never both send attempt N.
 * The outcome is filled in after the request; a row without one belongs to an attempt in
 * flight, or to a dispatcher that died before it could record the outcome.
 */
import type { Collection, Db } from 'mongodb';
import { insertEachUnlessTaken, insertUnlessTaken } from '../duplicate-key.js';

export interface WebhookAttemptDoc {
  /** `${deliveryId}:${number}`. */
  _id: string;
  deliveryId: string;
  tenantId: string;
  /** 1, 2, 3 … per delivery, across redeliveries. */
  number: number;
  /** When the attempt started (and was signed). */
  at: Date;
  /** 'manual' for the first attempt a person asked for (a test or a redelivery). */
  trigger: 'scheduled' | 'manual';
  /** The dispatcher that claimed it. */
  owner: string;
  /** Null until the outcome is recorded. */
  finishedAt: Date | null;
  ok: boolean | null;
  durationMs: number | null;
  statusCode: number | null;
  error: string | null;
  /** The start of the response body, at most 1 KiB. */
  responseBody: string | null;
  /** The raw Retry-After header, kept so that any dispatcher can settle from this row. */
  retryAfter: string | null;
}

export type AttemptOutcome = Pick<WebhookAttemptDoc, 'ok' | 'durationMs' | 'statusCode' | 'error' | 'responseBody' | 'retryAfter'>;

export const attemptId = (deliveryId: string, number: number): string => `${deliveryId}:${number}`;

export class WebhookAttemptsRepository {
  readonly collection: Collection<WebhookAttemptDoc>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookAttemptDoc>('webhook_attempts');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ deliveryId: 1, number: 1 });
  }

  /** True when this caller now owns attempt `row.number`; false when it was claimed before. */
  claim(row: WebhookAttemptDoc): Promise<boolean> {
    return insertUnlessTaken(this.collection, row);
  }

  /**
   * Claims several attempts in one statement (one dispatcher's batch): for each row, true
   * when this caller now owns it. Each row is still its own unique insert.
   */
  claimEach(rows: readonly WebhookAttemptDoc[]): Promise<boolean[]> {
    return insertEachUnlessTaken(this.collection, rows);
  }

  findById(id: string): Promise<WebhookAttemptDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /**
   * Records the outcome of an attempt this caller claimed (or found orphaned: see the
   * attempt runner). By bare `_id`, which FerretDB serves from its key.
   */
  async finish(id: string, finishedAt: Date, outcome: AttemptOutcome): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { ...outcome, finishedAt } });
  }

  /** Records the outcomes of several attempts in one statement, as finish() does each. */
  async finishEach(finished: ReadonlyArray<{ id: string; finishedAt: Date; outcome: AttemptOutcome }>): Promise<void> {
    if (finished.length === 0) return;
    await this.collection.bulkWrite(
      finished.map(({ id, finishedAt, outcome }) => ({ updateOne: { filter: { _id: id }, update: { $set: { ...outcome, finishedAt } } } })),
      { ordered: false },
    );
  }

  /** Retention: removes attempt rows 1..count of a delivery, by `_id` (numbers have no gaps). */
  async deleteForDelivery(deliveryId: string, count: number): Promise<void> {
    for (let n = 1; n <= count; n += 1) await this.collection.deleteOne({ _id: attemptId(deliveryId, n) });
  }

  listForDelivery(deliveryId: string): Promise<WebhookAttemptDoc[]> {
    return this.collection.find({ deliveryId }).sort({ number: 1 }).toArray();
  }
}
