/**
 * The retention ledger's writer: a JobNotifier (composed beside the webhook outbox) that
 * notes each finished job or batch occurrence once, and each uploaded file, so that the
 * sweep finds aged work in this small collection instead of reading the history collections.
 */
import type { FileDoc } from '../db/files/index.js';
import { type BatchDoc, type JobDoc, ledgerId, type RetentionLedgerRepository } from '../db/jobs/index.js';
import type { JobNotifier } from '../jobs/index.js';

export class RetentionLedger implements JobNotifier {
  constructor(private readonly ledger: RetentionLedgerRepository) {}

  async jobFinished(job: JobDoc): Promise<void> {
    if (job.finishedAt === null) return;
    await this.ledger.record({
      _id: ledgerId('job', job._id, job.finishedAt),
      kind: 'job',
      refId: job._id,
      tenantId: job.tenantId,
      finishedAt: job.finishedAt,
      stage: 'events',
    });
  }

  async batchFinished(batch: BatchDoc): Promise<void> {
    if (batch.finishedAt === null) return;
    await this.ledger.record({
      _id: ledgerId('batch', batch._id, batch.finishedAt),
      kind: 'batch',
      refId: batch._id,
      tenantId: batch.tenantId,
      finishedAt: batch.finishedAt,
      stage: 'events',
    });
  }

  /** A file ages from its upload (JOB_RETENTION); noted before its first byte is stored, so none is missed. */
  async fileStored(file: Pick<FileDoc, '_id' | 'tenantId' | 'createdAt'>): Promise<void> {
    await this.ledger.record({
      _id: ledgerId('file', file._id, file.createdAt),
      kind: 'file',
      refId: file._id,
      tenantId: file.tenantId,
      finishedAt: file.createdAt,
      stage: 'all',
    });
  }
  /** A waiting review is nothing to retain: the job's finish is. */
  async reviewRequested(): Promise<void> {}
}

/** Tells several notifiers, one after another; each must be idempotent, as the port asks. */
export function notifyAll(...notifiers: JobNotifier[]): JobNotifier {
  return {
    async jobFinished(job) {
      for (const n of notifiers) await n.jobFinished(job);
    },
    async batchFinished(batch) {
      for (const n of notifiers) await n.batchFinished(batch);
    },
    async reviewRequested(job, review) {
      for (const n of notifiers) await n.reviewRequested(job, review);
    },
  };
}
