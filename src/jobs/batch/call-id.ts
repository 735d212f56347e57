/**
 * A BATCH call's `custom_id`: the job and the call's checkpoint key (`<step>/<key>`), so a
 * batch line says whose it is at a glance; a key too long for that is replaced by its hash.
 * The same call of the same job always gets the same id, which is what makes recording it
 * (a unique `_id`) happen once however often its step runs.
 */
import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';

const MAX_READABLE = 160;

export function batchCallId(jobId: string, checkpointKey: string): string {
  const readable = `${jobId}:${checkpointKey}`;
  if (readable.length <= MAX_READABLE) return readable;
  return `${jobId}:#${createHash('sha256').update(checkpointKey).digest('hex').slice(0, 32)}`;
}

/** The provider batch's metadata key that names our batch, and the name of its file: how both are found again after a crash. */
export const BATCH_METADATA_KEY = 'ai_jobs_batch';
export const batchFileName = (batchId: string): string => `ai-jobs-${batchId}.jsonl`;

/** Our id of a new batch (time-ordered, so the provider's lists can be read newest first and stopped early). */
export const newBatchId = (): string => `b${new ObjectId().toHexString()}`;
