/**
 * The `jobs` collection. While a job runs, its document is written only by the holder
 * of its current lease generation (`updateUnderLease`), so two writers never overwrite
 * each other's fields — FerretDB replaces whole documents on update.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { JobDoc, JobStatusValue, UsageDoc } from './job-docs.js';
import { afterFilter, type Page, type PagePosition } from './page-cursor.js';

export interface JobListFilter {
  status?: JobStatusValue[];
  kind?: string;
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export class JobsRepository {
  readonly collection: Collection<JobDoc>;

  constructor(db: Db) {
    this.collection = db.collection<JobDoc>('jobs');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tenantId: 1, createdAt: -1, _id: -1 });
    await this.collection.createIndex({ batchId: 1, createdAt: -1 });
    await this.collection.createIndex({ status: 1, runAt: 1 });
    await this.collection.createIndex({ webhooksPending: 1, updatedAt: 1 });
  }

  async insert(doc: JobDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  async insertMany(docs: JobDoc[]): Promise<void> {
    if (docs.length > 0) await this.collection.insertMany(docs, { ordered: false });
  }

  findById(id: string): Promise<JobDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  findForTenant(tenantId: string, id: string): Promise<JobDoc | null> {
    return this.collection.findOne({ _id: id, tenantId });
  }

  findManyForTenant(tenantId: string, ids: string[]): Promise<JobDoc[]> {
    return this.collection.find({ _id: { $in: ids }, tenantId }).toArray();
  }

  async list(tenantId: string, filter: JobListFilter, first: number, after?: PagePosition): Promise<Page<JobDoc>> {
    const base: Filter<JobDoc> = { tenantId };
    if (filter.status?.length) base.status = { $in: filter.status };
    if (filter.kind) base.kind = filter.kind;
    if (filter.batchId) base.batchId = filter.batchId;
    if (filter.createdAfter || filter.createdBefore) {
      base.createdAt = {
        ...(filter.createdAfter ? { $gt: filter.createdAfter } : {}),
        ...(filter.createdBefore ? { $lt: filter.createdBefore } : {}),
      };
    }
    const query: Filter<JobDoc> = after ? { $and: [base, afterFilter(after) as Filter<JobDoc>] } : base;
    const [items, totalCount] = await Promise.all([
      this.collection.find(query).sort({ createdAt: -1, _id: -1 }).limit(first + 1).toArray(),
      this.collection.countDocuments(base),
    ]);
    return { items: items.slice(0, first), hasNextPage: items.length > first, totalCount };
  }

  /** Writes fields while this caller holds lease generation `generation`; false if it does not. */
  async updateUnderLease(id: string, generation: number, set: Partial<JobDoc>): Promise<boolean> {
    const res = await this.collection.updateOne(
      { _id: id, leaseGeneration: generation },
      { $set: { ...set, updatedAt: new Date() } },
    );
    return res.matchedCount === 1;
  }

  /** Jobs whose runner should exist but may not: due, or with an expired lease. */
  findStranded(now: Date, graceMs: number, limit = 100): Promise<JobDoc[]> {
    const dueBefore = new Date(now.getTime() - graceMs);
    return this.collection
      .find({
        $or: [
          { status: { $in: ['QUEUED', 'RETRYING'] }, runAt: { $lte: dueBefore } },
          { status: 'RUNNING', 'lease.expiresAt': { $lt: now } },
          { status: 'RUNNING', lease: null },
        ],
      } as Filter<JobDoc>)
      .limit(limit)
      .toArray();
  }

  /** Finished jobs whose webhook deliveries may not have been recorded yet. */
  findWebhooksPending(olderThan: Date, limit = 100): Promise<JobDoc[]> {
    return this.collection.find({ webhooksPending: true, updatedAt: { $lt: olderThan } }).limit(limit).toArray();
  }

  async clearWebhooksPending(id: string): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { webhooksPending: false } });
  }

  /** How many of the batch's jobs are in each status. */
  async countByStatus(batchId: string): Promise<Record<JobStatusValue, number>> {
    const rows = await this.collection
      .aggregate<{ _id: JobStatusValue; n: number }>([{ $match: { batchId } }, { $group: { _id: '$status', n: { $sum: 1 } } }])
      .toArray();
    const out: Record<JobStatusValue, number> = { QUEUED: 0, RUNNING: 0, RETRYING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 };
    for (const r of rows) out[r._id] = r.n;
    return out;
  }

  /**
   * Usage summed over the jobs matching `match` (a tenant's, or a batch's). Summed here
   * rather than with `$group`: FerretDB v1 returns 0 for some `$sum`s over nested fields.
   */
  async sumUsage(match: Filter<JobDoc>): Promise<UsageDoc> {
    const total: UsageDoc = { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };
    let unpriced = false;
    for await (const { usage } of this.collection.find(match, { projection: { usage: 1 } })) {
      total.calls += usage.calls;
      total.promptTokens += usage.promptTokens;
      total.completionTokens += usage.completionTokens;
      total.totalTokens += usage.totalTokens;
      // A job whose cost is unknown (a model without a price) makes the sum unknown too.
      if (usage.costUsd === null) unpriced = true;
      else total.costUsd = total.costUsd! + usage.costUsd;
    }
    return { ...total, costUsd: unpriced ? null : round6(total.costUsd!) };
  }
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;
