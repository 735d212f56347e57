/**
 * `provider_batches`: the batches of BATCH jobs' calls the service sends to the provider, one
 * document each from before its file is uploaded until every answer in it reached its job;
 * then it is deleted, so the collection holds open batches only. Only the fleet's batch round
 * writes here, one round at a time (src/jobs/batch), so no two writers race on a document.
 *
 * A batch is recorded (`planned`, with its `custom_id`s) before its file is uploaded: a round
 * that dies afterwards leaves a document saying what may have been sent, and the next round
 * looks for the file and the batch in the provider's own lists before it sends anything again.
 */
import type { Collection, Db } from 'mongodb';

/**
 * planned: recorded, its file maybe uploaded; uploaded: the provider has its file (`fileId`);
 * submitted: the provider has the batch (`providerId`); answered: its answers are in their
 * jobs' checkpoints, and the jobs in `wakes` are still to be woken, the files in
 * `filesToDelete` still to be deleted at the provider.
 */
export type ProviderBatchState = 'planned' | 'uploaded' | 'submitted' | 'answered';

export interface ProviderBatchDoc {
  /** Ours: the file is named `<_id>.jsonl` and the batch carries it as metadata, so both can be found again. */
  _id: string;
  model: string;
  /** Every line of its file: its `custom_id`, its job and the checkpoint its answer goes to. */
  calls: ProviderBatchCall[];
  /** Its calls' jobs, with the deadline past which each stops waiting. */
  jobs: Array<{ id: string; deadline: Date | null }>;
  lines: number;
  bytes: number;
  state: ProviderBatchState;
  fileId: string | null;
  providerId: string | null;
  /** As the provider last reported it. */
  status: string | null;
  counts: { total: number; completed: number; failed: number } | null;
  createdAt: Date;
  submittedAt: Date | null;
  /** When its jobs' progress was last written. */
  progressAt: Date | null;
  /** Jobs whose answers were applied and that are still to be woken (state answered), with why they stop waiting if they do. */
  wakes: Array<{ id: string; fallback: string | null }>;
  /** Set once the provider was asked to cancel it (every job in it finished or gave up waiting). */
  cancelledAt: Date | null;
  /**
   * Its files still to delete at the provider (state answered: input, output and error file),
   * each with the tries that failed so far. Recorded with its answers, so a round that dies
   * before deleting them leaves them to the next. Absent: none.
   */
  filesToDelete?: FileToDelete[];
}

export interface FileToDelete {
  id: string;
  tries: number;
}

export interface ProviderBatchCall {
  id: string;
  job: string;
  key: string;
  /** The job's attempt that recorded it, and its lines so far (this one included). */
  attempt: number;
  tries: number;
}

/** What a round reads of every open batch: all but the (long) list of calls. */
export type ProviderBatchSummary = Omit<ProviderBatchDoc, 'calls'>;

export class ProviderBatchesRepository {
  readonly collection: Collection<ProviderBatchDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ProviderBatchDoc>('provider_batches');
  }

  async ensureIndexes(): Promise<void> {
    // Read whole by the round (open batches only); the index serves an operator's look by job.
    await this.collection.createIndex({ 'jobs.id': 1 });
  }

  async insert(doc: ProviderBatchDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  /** Every open batch, without its calls. */
  open(): Promise<ProviderBatchSummary[]> {
    return this.collection.find({}, { projection: { calls: 0 } }).toArray();
  }

  async callsOf(id: string): Promise<ProviderBatchCall[]> {
    return (await this.collection.findOne({ _id: id }, { projection: { calls: 1 } }))?.calls ?? [];
  }

  async update(id: string, set: Partial<Omit<ProviderBatchDoc, '_id'>>): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: set });
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }
}
