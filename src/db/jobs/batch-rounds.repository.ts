/**
 * `batch_rounds`: the fleet's batch rounds, one small document each (`round:<n>`), inserted
 * under a unique `_id` by the one worker that runs round n; its holder beats on it and marks
 * it done. Rounds older than the one before the latest are deleted, so the collection holds
 * two or three documents, and `latest`, the number of the round started last. See
 * src/jobs/batch/fleet-round.ts.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface BatchRoundDoc {
  _id: string;
  n: number;
  owner: string;
  startedAt: Date;
  /** Written by its holder while it works; a round whose beat is older than the round lease is given up. */
  beatAt: Date;
  doneAt: Date | null;
}

export const roundId = (n: number): string => `round:${n}`;

/** The hint of the round started last (`_id: 'latest'`): where a process starts looking. */
interface LatestRoundDoc {
  _id: string;
  n: number;
}

export class BatchRoundsRepository {
  private readonly collection: Collection<BatchRoundDoc>;
  private readonly hints: Collection<LatestRoundDoc>;

  constructor(db: Db) {
    this.collection = db.collection<BatchRoundDoc>('batch_rounds');
    this.hints = db.collection<LatestRoundDoc>('batch_rounds');
  }

  /** The round started last as far as the hint knows (0: none); the caller looks past it. */
  async latest(): Promise<number> {
    return (await this.hints.findOne({ _id: 'latest' }))?.n ?? 0;
  }

  /** Written only by the holder of round n, right after it took it. */
  async setLatest(n: number): Promise<void> {
    await this.hints.updateOne({ _id: 'latest' }, { $set: { n } }, { upsert: true });
  }

  find(n: number): Promise<BatchRoundDoc | null> {
    return this.collection.findOne({ _id: roundId(n) });
  }

  /** True when this caller took round n. */
  claim(n: number, owner: string, now: Date): Promise<boolean> {
    return insertUnlessTaken(this.collection, { _id: roundId(n), n, owner, startedAt: now, beatAt: now, doneAt: null });
  }

  async beat(n: number, at: Date): Promise<void> {
    await this.collection.updateOne({ _id: roundId(n) }, { $set: { beatAt: at } });
  }

  async done(n: number, at: Date): Promise<void> {
    await this.collection.updateOne({ _id: roundId(n) }, { $set: { doneAt: at, beatAt: at } });
  }

  async remove(n: number): Promise<void> {
    await this.collection.deleteOne({ _id: roundId(n) });
  }
}
