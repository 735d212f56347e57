/**
 * The `retention_ledger` collection: one small insert-only row per finished job or batch
 * occurrence, and per uploaded file, so that the retention sweep finds what has aged out
 * without reading any history collection. A job's or batch's row moves from stage `events`
 * (its events and webhook attempts are still kept) to `all` (only the job, batch and
 * deliveries are left), then goes; a file's row is `all` from the start (dated by its upload).
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export type LedgerKind = 'job' | 'batch' | 'file';
export type LedgerStage = 'events' | 'all';

export interface RetentionLedgerDoc {
  /** `${kind}:${refId}:${finishedAt ms}`: a repeated notice of one occurrence is one row. */
  _id: string;
  kind: LedgerKind;
  /** The job's, batch's or file's `_id`. */
  refId: string;
  tenantId: string;
  /** When the job or batch finished, or the file was uploaded. */
  finishedAt: Date;
  stage: LedgerStage;
}

export const ledgerId = (kind: LedgerKind, refId: string, finishedAt: Date): string => `${kind}:${refId}:${finishedAt.getTime()}`;

export class RetentionLedgerRepository {
  readonly collection: Collection<RetentionLedgerDoc>;

  constructor(db: Db) {
    this.collection = db.collection<RetentionLedgerDoc>('retention_ledger');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ stage: 1, finishedAt: 1 });
    await this.collection.createIndex({ finishedAt: 1 });
  }

  /** Records an occurrence once; a repeated call is a no-op. */
  async record(doc: RetentionLedgerDoc): Promise<void> {
    await insertUnlessTaken(this.collection, doc);
  }

  /** The oldest rows still in `stage` that finished at or before `cutoff`. */
  findAged(stage: LedgerStage, cutoff: Date, limit: number): Promise<RetentionLedgerDoc[]> {
    return this.collection.find({ stage, finishedAt: { $lte: cutoff } }).sort({ finishedAt: 1 }).limit(limit).toArray();
  }

  /** The oldest rows, whatever their stage, that finished at or before `cutoff`. */
  findAgedAny(cutoff: Date, limit: number): Promise<RetentionLedgerDoc[]> {
    return this.collection.find({ finishedAt: { $lte: cutoff } }).sort({ finishedAt: 1 }).limit(limit).toArray();
  }

  async setStage(id: string, stage: LedgerStage): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { stage } });
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }
}
