/** What every part of a batch round works with, and the jobs a round may still answer. */
import type { BatchApi } from '../../ai/index.js';
import type { LiveJobDoc } from '../../db/jobs/index.js';
import type { Logger } from '../../log/logger.js';
import type { JobStores } from '../lifecycle/index.js';
import type { BatchWakeDeps } from './batch-wakes.js';
import type { PlanLimits } from './plan-batches.js';

export interface BatchRoundDeps {
  stores: JobStores;
  api: BatchApi;
  /** Answers of the offline stand-in cost nothing. */
  offline: boolean;
  wakes: BatchWakeDeps;
  logger: Logger;
  limits: PlanLimits;
  /** Least time between two progress writes to a batch's jobs. */
  progressEveryMs: number;
  now: () => Date;
}

/** A round whose turn passed (a later round started): it stops before its next effect outside. */
export class RoundOvertaken extends Error {
  override readonly name = 'RoundOvertaken';
}

/** The jobs still waiting for answers: a live record and no cancel asked for. */
export class LiveJobSet {
  private constructor(private readonly live: ReadonlyMap<string, LiveJobDoc>) {}

  /** One read of the live records of these jobs (a small collection: unfinished work only). */
  static async of(stores: JobStores, jobIds: Iterable<string>): Promise<LiveJobSet> {
    const ids = [...new Set(jobIds)];
    const docs = ids.length === 0 ? [] : await stores.live.findMany(ids);
    return new LiveJobSet(new Map(docs.map((d) => [d._id, d])));
  }

  has(jobId: string): boolean {
    const doc = this.live.get(jobId);
    return doc !== undefined && doc.cancelRequestedAt === null;
  }
}
