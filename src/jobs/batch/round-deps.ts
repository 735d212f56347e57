/** What every part of a batch round works with, and the jobs a round may still answer. */
import type { BatchApi } from '../../ai/index.js';
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
  private constructor(
    private readonly live: ReadonlySet<string>,
    private readonly cancelling: ReadonlySet<string>,
  ) {}

  /** One read of the live records of these jobs and one of their cancel requests (small collections: unfinished work only). */
  static async of(stores: JobStores, jobIds: Iterable<string>): Promise<LiveJobSet> {
    const ids = [...new Set(jobIds)];
    const [docs, cancelling] = await Promise.all([stores.live.findMany(ids), stores.cancelRequests.among(ids)]);
    return new LiveJobSet(new Set(docs.map((d) => d._id)), cancelling);
  }

  has(jobId: string): boolean {
    return this.live.has(jobId) && !this.cancelling.has(jobId);
  }
}
