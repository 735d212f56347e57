/**
 * A batch the provider is done with (completed, expired, cancelled or failed): each answer
 * goes to its call's checkpoint (the job's step reads it and counts its usage), each failed
 * line's error to its call document (the step sends it again or fails, by the AI error
 * policy), and the jobs whose lines were never processed stop waiting and make those calls
 * at once. Then every job of the batch is woken. Lines of jobs that finished are ignored.
 * Checkpoints keep the first answer stored, so applying a batch twice changes nothing.
 */
import { readBatchLines, type BatchLineOutcome, type ProviderBatch } from '../../ai/index.js';
import type { ProviderBatchSummary } from '../../db/jobs/index.js';
import { type BatchRoundDeps, LiveJobSet } from './round-deps.js';
import { storedAnswer } from './stored-answer.js';
import { aiBatchLines } from '../../metrics/metrics.js';

/** Applies a final batch's files; returns the jobs to wake, each with why it stops waiting (null: it does not). */
export async function applyAnswers(deps: BatchRoundDeps, batch: ProviderBatchSummary, provider: ProviderBatch): Promise<Array<{ id: string; fallback: string | null }>> {
  const { stores, api } = deps;
  const outcomes: BatchLineOutcome[] = [];
  for (const fileId of [provider.outputFileId, provider.errorFileId]) {
    if (fileId) outcomes.push(...readBatchLines(await api.fileContent(fileId), batch.model));
  }
  const calls = new Map((await stores.providerBatches.callsOf(batch._id)).map((c) => [c.id, c]));
  const live = await LiveJobSet.of(stores, batch.jobs.map((j) => j.id));
  const why = fallbackReason(provider);
  const unanswered = new Set<string>();
  const seen = new Set<string>();
  // Its step makes the call at once when it finds this, whether or not the wake below reaches the job.
  const giveUp = async (call: { id: string; job: string }) => {
    unanswered.add(call.job);
    await stores.batchCalls.setUnanswered(call.id, why);
  };
  for (const outcome of outcomes) {
    const call = calls.get(outcome.customId);
    if (!call || !live.has(call.job)) continue;
    seen.add(call.id);
    aiBatchLines.inc({ model: batch.model, outcome: outcome.kind === 'answer' ? 'answered' : outcome.kind });
    if (outcome.kind === 'answer') {
      await stores.checkpoints.put(call.job, call.key, storedAnswer(outcome.completion, deps.offline, call.id));
    } else if (outcome.kind === 'failed') {
      const { code, message, retryable, status } = outcome.error.toJSON();
      await stores.batchCalls.setError(call.id, { code, message, retryable, ...(status !== undefined ? { status } : {}) });
    } else {
      await giveUp(call);
    }
  }
  // A line in neither file was never processed either.
  for (const call of calls.values()) {
    if (seen.has(call.id) || !live.has(call.job)) continue;
    aiBatchLines.inc({ model: batch.model, outcome: 'unanswered' });
    await giveUp(call);
  }
  return batch.jobs.filter((j) => live.has(j.id)).map((j) => ({ id: j.id, fallback: unanswered.has(j.id) ? why : null }));
}

function fallbackReason(provider: ProviderBatch): string {
  switch (provider.status) {
    case 'expired':
      return "the provider's batch expired before answering every call";
    case 'cancelled':
      return "the provider's batch was cancelled";
    case 'failed':
      return "the provider's batch failed";
    default:
      return "the provider's batch left calls unanswered";
  }
}
