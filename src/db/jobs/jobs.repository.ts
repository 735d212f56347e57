/**
 * The `jobs` collection: every job's record, kept after it finished. A document is
 * written only by the holder of the job's lease (`update`), so two writers never
 * overwrite each other's fields — FerretDB replaces whole documents on update. No poll
 * or sweep reads this collection: they read `live_jobs`.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { JobDoc, JobStatusValue, UsageDoc } from './docs.js';
import { afterFilter, type Page, type PagePosition } from '../page-cursor.js';

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

  /**
   * Writes fields of the job by `_id`. The caller holds the job's lease (see LeasedJob),
   * so no other writer changes the document meanwhile: FerretDB rewrites whole documents.
   */
  async update(id: string, set: Partial<JobDoc>): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: set });
  }

  /**
   * The status of each job, in order; null for a job not stored (yet). One lookup by `_id`
   * each, which every server answers from its primary key.
   */
  async statusesOf(ids: readonly string[]): Promise<Array<JobStatusValue | null>> {
    const out: Array<JobStatusValue | null> = [];
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      const docs = await Promise.all(chunk.map((_id) => this.collection.findOne({ _id }, { projection: { status: 1 } })));
      out.push(...docs.map((d) => d?.status ?? null));
    }
    return out;
  }

  /**
   * Usage summed over the jobs matching `match` (a tenant's, or a batch's). Summed here
   * rather than with `$group`: FerretDB v1 returns 0 for some `$sum`s over nested fields.
   */
  async sumUsage(match: Filter<JobDoc>): Promise<UsageDoc> {
    const total = { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 as number | null, cachedCalls: 0, cachedPromptTokens: 0 };
    let unpriced = false;
    for await (const { usage } of this.collection.find(match, { projection: { usage: 1 } })) {
      total.calls += usage.calls;
      total.cachedCalls += usage.cachedCalls ?? 0;
      total.cachedPromptTokens += usage.cachedPromptTokens ?? 0;
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
