/**
 * Stored usage sums per tenant and per batch, added to as AI calls are recorded, so that
 * `viewer.usage` and `Batch.usage` read a few small documents instead of every job.
 *
 * Each process writes only its own shard of a sum (`${scope}|${shard}`) and serialises its
 * writes to it, so no two writers ever race on one document: `$inc` is a read-modify-write
 * on FerretDB and would lose increments between concurrent workers. A sum is read as the
 * total of its shards (one per process that ever recorded for it).
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { UsageDoc } from './docs.js';

interface UsageShardDoc {
  _id: string;
  /** `tenant:<id>` or `batch:<id>`. */
  scope: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Absent in shards written before the response cache and cached-token pricing: 0. */
  cachedCalls?: number;
  cachedPromptTokens?: number;
  /** Sum of the priced calls' costs; `unpriced` makes the sum unknown (null). */
  costUsd: number;
  unpriced: boolean;
  /** What the same calls cost at the realtime rate (absent in older shards: their costUsd). */
  realtimeCostUsd?: number;
}

export class UsageTotalsRepository {
  private readonly collection: Collection<UsageShardDoc>;
  /** This process's shard: one writer per document. */
  private readonly shard = randomUUID();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(db: Db) {
    this.collection = db.collection<UsageShardDoc>('usage_totals');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ scope: 1 });
  }

  /** Adds one call's usage to its tenant's sum and, for a batch job, the batch's. */
  record(tenantId: string, batchId: string | null | undefined, usage: UsageDoc): Promise<void> {
    const scopes = [`tenant:${tenantId}`, ...(batchId ? [`batch:${batchId}`] : [])];
    const write = this.queue.then(() => Promise.all(scopes.map((scope) => this.add(scope, usage))));
    this.queue = write.catch(() => undefined);
    return write.then(() => undefined);
  }

  private async add(scope: string, usage: UsageDoc): Promise<void> {
    await this.collection.updateOne(
      { _id: `${scope}|${this.shard}` },
      {
        $inc: {
          calls: usage.calls,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          totalTokens: usage.totalTokens,
          cachedCalls: usage.cachedCalls ?? 0,
          cachedPromptTokens: usage.cachedPromptTokens ?? 0,
          costUsd: usage.costUsd ?? 0,
          realtimeCostUsd: usage.realtimeCostUsd ?? usage.costUsd ?? 0,
        },
        $set: { scope, ...(usage.costUsd === null ? { unpriced: true } : {}) },
      },
      { upsert: true },
    );
  }

  async total(scope: 'tenant' | 'batch', id: string): Promise<UsageDoc> {
    const sum = { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, cachedCalls: 0, cachedPromptTokens: 0, realtimeCostUsd: 0 };
    let unpriced = false;
    for await (const s of this.collection.find({ scope: `${scope}:${id}` })) {
      sum.calls += s.calls;
      sum.cachedCalls += s.cachedCalls ?? 0;
      sum.cachedPromptTokens += s.cachedPromptTokens ?? 0;
      sum.promptTokens += s.promptTokens;
      sum.completionTokens += s.completionTokens;
      sum.totalTokens += s.totalTokens;
      sum.costUsd += s.costUsd;
      sum.realtimeCostUsd += s.realtimeCostUsd ?? s.costUsd;
      if (s.unpriced) unpriced = true;
    }
    // Rounded as a job's own usage is (src/jobs/usage.ts): only float noise goes.
    const round = (usd: number) => (unpriced ? null : Math.round(usd * 1e9) / 1e9);
    return { ...sum, costUsd: round(sum.costUsd), realtimeCostUsd: round(sum.realtimeCostUsd) };
  }
}
