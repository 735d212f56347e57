/**
 * The `jobs` collection. While a job runs, its document is written only by the holder
 * of its current lease generation (`updateUnderLease`), so two writers never overwrite
 * each other's fields — FerretDB replaces whole documents on update.
 */
import type { Collection, Db, Filter, UpdateFilter } from 'mongodb';
import type { JobDoc, JobStatusValue, UsageDoc } from './job-docs.js';
import { afterFilter, type Page, type PagePosition } from './page-cursor.js';

export interface JobListFilter {
  status?: JobStatusValue[];
  kind?: string;
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface JobsRepositoryOptions {
  /**
   * Look documents up by `_id` alone and check other conditions in code: on FerretDB a
   * filter with any other field reads the whole collection (see `isFerretDb`).
   */
  idLookupsOnly?: boolean;
}

export class JobsRepository {
  readonly collection: Collection<JobDoc>;
  private readonly idLookupsOnly: boolean;

  constructor(db: Db, opts: JobsRepositoryOptions = {}) {
    this.collection = db.collection<JobDoc>('jobs');
    this.idLookupsOnly = opts.idLookupsOnly ?? false;
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

  /** The job if it belongs to the tenant; another tenant's job is as absent as a missing one. */
  /** Retention: removes a finished job record (the sweep re-checked its status just before). */
  async deleteById(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  async findForTenant(tenantId: string, id: string): Promise<JobDoc | null> {
    const job = await this.findById(id);
    return job?.tenantId === tenantId ? job : null;
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
  updateUnderLease(id: string, generation: number, set: Partial<JobDoc>): Promise<boolean> {
    return this.updateIfGeneration(id, generation, { $set: { ...set, updatedAt: new Date() } });
  }

  /**
   * Applies `update` if the job's lease generation is still `generation`. On MongoDB the
   * condition is part of the atomic update. On FerretDB an update is a read followed by a
   * whole-document write by `_id` whatever the filter, so reading first and writing by
   * `_id` guarantees just as much — and finds the document by its key instead of scanning.
   */
  async updateIfGeneration(id: string, generation: number, update: UpdateFilter<JobDoc>): Promise<boolean> {
    if (!this.idLookupsOnly) {
      return (await this.collection.updateOne({ _id: id, leaseGeneration: generation }, update)).matchedCount === 1;
    }
    const current = await this.collection.findOne({ _id: id }, { projection: { leaseGeneration: 1 } });
    if (current?.leaseGeneration !== generation) return false;
    return (await this.collection.updateOne({ _id: id }, update)).matchedCount === 1;
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

  /** Ids of the batch's jobs that are QUEUED, RUNNING or RETRYING. */
  async findUnfinishedIdsInBatch(batchId: string): Promise<string[]> {
    const docs = await this.collection
      .find({ batchId, status: { $in: ['QUEUED', 'RUNNING', 'RETRYING'] } }, { projection: { _id: 1 } })
      .toArray();
    return docs.map((d) => d._id);
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
