/**
 * The sending half of a batch round: waiting lines into batch files, each recorded before it
 * is uploaded, then uploaded (`files.create`, purpose `batch`) and made a batch
 * (`/v1/chat/completions`, 24 h). A batch an earlier round left half sent is finished first:
 * its file and its batch are looked for in the provider's own lists (by the file's name and
 * the batch's metadata, both made of our batch id) before anything is sent again.
 */
import { BATCH_METADATA_KEY, batchFileName, newBatchId } from './call-id.js';
import type { BatchCallDoc, ProviderBatchDoc, ProviderBatchSummary } from '../../db/jobs/index.js';
import type { HeldRound } from './fleet-round.js';
import { planBatches } from './plan-batches.js';
import { type BatchRoundDeps, LiveJobSet, RoundOvertaken } from './round-deps.js';
import { wakeForBatch } from './batch-wakes.js';

export class BatchSender {
  constructor(private readonly deps: BatchRoundDeps) {}

  /** Finishes sending the batches earlier rounds recorded but may not have sent in full. */
  async resume(open: ProviderBatchSummary[], round: HeldRound): Promise<void> {
    for (const batch of open) {
      if (batch.state !== 'planned' && batch.state !== 'uploaded') continue;
      try {
        await this.send(batch, round, false);
      } catch (err) {
        if (err instanceof RoundOvertaken) throw err;
        this.deps.logger.warn({ err, batch: batch._id }, 'sending a batch failed; the next round tries again');
      }
    }
  }

  /**
   * Puts the waiting lines that are due into new batches and sends them. Lines of jobs that
   * finished are dropped; a job whose deadline passed stops waiting (its lines are not sent).
   * Lines of a batch still being sent are left alone: they are sent with it.
   */
  async gather(open: ProviderBatchSummary[], round: HeldRound): Promise<number> {
    const { stores, limits } = this.deps;
    const sending = new Set<string>();
    for (const b of open) if (b.state === 'planned') for (const c of await stores.providerBatches.callsOf(b._id)) sending.add(c.id);
    const waiting = (await stores.batchCalls.waiting()).filter((l) => !sending.has(l._id));
    if (waiting.length === 0) return 0;
    const live = await LiveJobSet.of(stores, waiting.map((l) => l.jobId));
    const gone = waiting.filter((l) => !live.has(l.jobId));
    await stores.batchCalls.unqueue(gone.map((l) => l._id));
    const plan = planBatches(waiting.filter((l) => live.has(l.jobId)), this.deps.now(), limits);
    // Past its deadline a line is not sent; its job makes the call at once (woken here, or on its own if it is running).
    await stores.batchCalls.unqueue(plan.late.map((l) => l._id));
    for (const jobId of new Set(plan.late.map((l) => l.jobId))) {
      await wakeForBatch(this.deps.wakes, jobId, { kind: 'fallback', reason: 'its batchDeadline passed' });
    }
    let sent = 0;
    for (const file of plan.files) {
      const doc: ProviderBatchDoc = {
        _id: newBatchId(),
        model: file.model,
        calls: file.lines.map((l) => ({ id: l._id, job: l.jobId, key: l.key, attempt: l.attempt, tries: l.tries })),
        jobs: [...new Map(file.lines.map((l) => [l.jobId, { id: l.jobId, deadline: l.deadline }])).values()],
        lines: file.lines.length,
        bytes: file.lines.reduce((sum, l) => sum + l.bytes, 0),
        state: 'planned',
        fileId: null,
        providerId: null,
        status: null,
        counts: null,
        createdAt: this.deps.now(),
        submittedAt: null,
        progressAt: null,
        wakes: [],
        cancelledAt: null,
      };
      // Recorded before anything is uploaded: a crash from here on leaves this to say what may have been sent.
      await stores.providerBatches.insert(doc);
      const { calls: _calls, ...summary } = doc;
      await this.send(summary, round, true);
      sent += 1;
    }
    return sent;
  }

  /** Uploads the file and creates the batch, as far as they are not done; `fresh`: recorded by this round, so nothing can have been sent. */
  private async send(batch: ProviderBatchSummary, round: HeldRound, fresh: boolean): Promise<void> {
    const { stores, api, logger } = this.deps;
    const name = batchFileName(batch._id);
    let fileId = batch.fileId;
    if (batch.state === 'planned') {
      const found = fresh ? null : await api.findFile(name, batch.createdAt);
      if (found) {
        fileId = found.id;
      } else {
        const calls = await stores.providerBatches.callsOf(batch._id);
        const lines = new Map((await stores.batchCalls.lines(calls.map((c) => c.id))).map((l) => [l._id, l.line]));
        // A line whose job finished meanwhile is gone from the queue, and stays out of the file.
        const content = calls.flatMap((c) => (lines.has(c.id) ? [lines.get(c.id)!] : [])).join('\n');
        if (content === '') return stores.providerBatches.delete(batch._id);
        if (!(await round.stillCurrent())) throw new RoundOvertaken(`round ${round.n} was overtaken`);
        fileId = (await api.uploadFile(name, `${content}\n`)).id;
      }
      await stores.providerBatches.update(batch._id, { state: 'uploaded', fileId });
    }
    // The file holds the lines now: their call documents must exist (so no step records them
    // again), and they leave the queue.
    const calls = await stores.providerBatches.callsOf(batch._id);
    await stores.batchCalls.ensureCalls(calls.map((c): BatchCallDoc => ({ _id: c.id, jobId: c.job, key: c.key, model: batch.model, tries: c.tries, attempt: c.attempt, createdAt: batch.createdAt })));
    await stores.batchCalls.unqueue(calls.map((c) => c.id));
    let created = fresh ? null : await api.findBatch(BATCH_METADATA_KEY, batch._id, batch.createdAt);
    if (!created) {
      if (!(await round.stillCurrent())) throw new RoundOvertaken(`round ${round.n} was overtaken`);
      created = await api.createBatch(fileId!, { [BATCH_METADATA_KEY]: batch._id });
    }
    await stores.providerBatches.update(batch._id, { state: 'submitted', providerId: created.id, status: created.status, counts: created.counts, submittedAt: this.deps.now() });
    logger.info({ batch: batch._id, providerBatch: created.id, lines: batch.lines, model: batch.model }, "sent a batch to the provider's Batch API");
  }
}
