/**
 * The Batch API path's record of each AI call a BATCH job handed to the provider's batch,
 * under the call's `custom_id`: `batch_calls` (one small document per call of an unfinished
 * job: that it was asked for, how often its line was sent, and how its last line failed) and
 * `batch_queue` (the lines not yet in a batch file, each with its JSONL text). The answers
 * themselves go to the job's checkpoints (checkpoints.repository.ts).
 *
 * A call document lives until its job finishes, so a step that runs again never asks the
 * provider twice for a call it asked already; a queue document lives until its line is in a
 * batch file the provider has, so the round that builds a file reads only lines still to send.
 */
import type { Collection, Db } from 'mongodb';
import { insertUnlessTaken, isDuplicateKeyError } from '../duplicate-key.js';

export interface BatchCallDoc {
  /** The line's `custom_id`: the job, the step and the call's key (see batchCallId). */
  _id: string;
  jobId: string;
  /** The checkpoint the answer goes to: `<step>/<key>`. */
  key: string;
  model: string;
  /** Lines sent for this call so far (a retried failed line counts again). */
  tries: number;
  /** The job's attempt that recorded it: a failure of an earlier attempt's line does not fail a later attempt. */
  attempt: number;
  createdAt: Date;
  /** How its last line failed (AiErrorJson); the step decides, by the AI error policy, to send it again or to fail. */
  error?: { code: string; message: string; retryable: boolean; status?: number } | null;
  /** Why its line will never be answered (its batch expired, was cancelled or failed): the step makes the call at once. */
  unanswered?: string | null;
}

export interface BatchQueueDoc {
  /** The call's `custom_id` (BatchCallDoc._id). */
  _id: string;
  jobId: string;
  /** The checkpoint its answer goes to (as BatchCallDoc.key). */
  key: string;
  model: string;
  /** As BatchCallDoc.attempt and .tries. */
  attempt: number;
  tries: number;
  /** The JSONL line. */
  line: string;
  bytes: number;
  createdAt: Date;
  /** The job's batchDeadline: past it, the line is not sent and the job makes the call at once. */
  deadline: Date | null;
}

export class BatchCallsRepository {
  readonly calls: Collection<BatchCallDoc>;
  readonly queue: Collection<BatchQueueDoc>;

  constructor(db: Db) {
    this.calls = db.collection<BatchCallDoc>('batch_calls');
    this.queue = db.collection<BatchQueueDoc>('batch_queue');
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([this.calls.createIndex({ jobId: 1 }), this.queue.createIndex({ jobId: 1 }), this.queue.createIndex({ model: 1, createdAt: 1 })]);
  }

  findCall(id: string): Promise<BatchCallDoc | null> {
    return this.calls.findOne({ _id: id });
  }

  /**
   * Records a call: its line in the queue first, then its call document (both no-ops when
   * present), so a call document never exists for a line that was neither queued nor sent.
   */
  async record(call: BatchCallDoc, line: Pick<BatchQueueDoc, 'line' | 'bytes' | 'deadline'>): Promise<void> {
    const { _id, jobId, key, model, attempt, tries, createdAt } = call;
    await insertUnlessTaken(this.queue, { _id, jobId, key, model, attempt, tries, createdAt, ...line });
    await insertUnlessTaken(this.calls, call);
  }

  /** Makes sure a call document exists for each sent line (its step may have died between the two inserts of `record`). */
  async ensureCalls(calls: BatchCallDoc[]): Promise<void> {
    if (calls.length === 0) return;
    try {
      await this.calls.insertMany(calls, { ordered: false });
    } catch (err) {
      // Those that exist stay as they are; every other one went in.
      if (!hasOnlyDuplicateKeyErrors(err)) throw err;
    }
  }

  async setError(id: string, error: NonNullable<BatchCallDoc['error']>): Promise<void> {
    await this.calls.updateOne({ _id: id }, { $set: { error } });
  }

  async setUnanswered(id: string, reason: string): Promise<void> {
    await this.calls.updateOne({ _id: id }, { $set: { unanswered: reason } });
  }

  async deleteCall(id: string): Promise<void> {
    await this.calls.deleteOne({ _id: id });
  }

  /** Every line still to send, without its text (the round reads this, then the text of what it sends). */
  waiting(): Promise<Array<Omit<BatchQueueDoc, 'line'>>> {
    return this.queue.find({}, { projection: { line: 0 } }).toArray();
  }

  /** The lines of these calls, in no particular order. */
  lines(ids: string[]): Promise<Array<Pick<BatchQueueDoc, '_id' | 'line'>>> {
    return this.queue.find({ _id: { $in: ids } }, { projection: { _id: 1, line: 1 } }).toArray();
  }

  /** Lines that are in a batch file the provider has: nothing more to send. */
  async unqueue(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.queue.deleteMany({ _id: { $in: ids } });
  }

  /** A finished (or fallen back) job's lines still to send go, and with `calls`, its call documents too. */
  async dropForJob(jobId: string, opts: { calls: boolean }): Promise<void> {
    await this.queue.deleteMany({ jobId });
    if (opts.calls) await this.calls.deleteMany({ jobId });
  }
}

/** An unordered insertMany that failed only because some documents exist already. */
function hasOnlyDuplicateKeyErrors(err: unknown): boolean {
  const errors = (err as { writeErrors?: unknown }).writeErrors;
  const list: unknown[] = Array.isArray(errors) ? errors : errors ? [errors] : [];
  return list.length > 0 ? list.every(isDuplicateKeyError) : isDuplicateKeyError(err);
}
