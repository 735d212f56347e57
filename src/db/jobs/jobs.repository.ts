/**
 * The `jobs` collection: every job's record, kept after it finished. A document is
 * written only by the holder of the job's lease (`update`), so two writers never
 * overwrite each other's fields — FerretDB replaces whole documents on update. No poll
 * or sweep reads this collection: they read `live_jobs`. Lists are read from the list
 * index (job-list-index.ts, docs/lists.md), which this repository keeps as jobs are
 * stored, change status and are deleted; a list then reads its page's jobs by `_id`.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { JobDoc, JobStatusValue, UsageDoc } from './docs.js';
import type { Page, PagePosition } from '../page-cursor.js';
import { JobListIndex } from './job-list-index.js';
import { readEntryPage, type JobListFilter } from './job-list-page.js';
import { backfillListIndex } from './job-list-backfill.js';

export type { JobListFilter };

/** The fields of a job a list must read; `_id` and `createdAt` (the cursor) are always read. */
export type JobFields = ReadonlyArray<keyof JobDoc>;

/** Jobs of a page read at once, each by `_id`. */
const READS_AT_ONCE = 25;

export class JobsRepository {
  readonly collection: Collection<JobDoc>;
  readonly listIndex: JobListIndex;

  constructor(db: Db) {
    this.collection = db.collection<JobDoc>('jobs');
    this.listIndex = new JobListIndex(db);
  }

  async ensureIndexes(): Promise<void> {
    // Retention and usage sums still query by tenant and batch (on MongoDB, from these indexes).
    await this.collection.createIndex({ tenantId: 1, createdAt: -1, _id: -1 });
    await this.collection.createIndex({ batchId: 1, createdAt: -1 });
    await backfillListIndex(this.collection, this.listIndex);
  }

  async insert(doc: JobDoc): Promise<void> {
    await this.collection.insertOne(doc);
    await this.listIndex.place([doc]);
  }

  /** Inserts the jobs (those already stored are left as they are and reported by the error) and lists those it stored. */
  async insertMany(docs: JobDoc[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.collection.insertMany(docs, { ordered: false });
    } catch (err) {
      const failed = (err as { writeErrors?: Array<{ index: number }> | { index: number } }).writeErrors;
      const errors = Array.isArray(failed) ? failed : failed ? [failed] : [];
      const notStored = new Set(errors.map((e) => e.index));
      await this.listIndex.place(docs.filter((_d, i) => !notStored.has(i)));
      throw err;
    }
    await this.listIndex.place(docs);
  }

  findById(id: string): Promise<JobDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Retention: removes a finished job record (the sweep re-checked its status just before) and its list entry. */
  async deleteById(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
    await this.listIndex.remove(id);
  }

  /** The job if it belongs to the tenant; another tenant's job is as absent as a missing one. */
  async findForTenant(tenantId: string, id: string): Promise<JobDoc | null> {
    const job = await this.findById(id);
    return job?.tenantId === tenantId ? job : null;
  }

  /**
   * A page of the tenant's jobs, newest first, from the list index. With `fields`, only
   * those fields of each job are read (a large input or result is not loaded for a list
   * that does not show it); the other fields of the returned documents are absent.
   */
  async list(tenantId: string, filter: JobListFilter, first: number, after?: PagePosition, fields?: JobFields): Promise<Page<JobDoc>> {
    const page = await readEntryPage(this.listIndex, tenantId, filter, first, after);
    const onlyCursor = fields !== undefined && fields.every((f) => f === '_id' || f === 'createdAt' || f === 'tenantId');
    let items: JobDoc[];
    if (onlyCursor) {
      // Everything asked for is in the index: no job is read.
      items = page.entries.map((e) => ({ _id: e.id, tenantId, createdAt: e.createdAt }) as JobDoc);
    } else {
      const projection = fields ? Object.fromEntries(['_id', 'createdAt', 'tenantId', 'batchId', ...fields].map((f) => [f, 1])) : undefined;
      items = [];
      for (let i = 0; i < page.entries.length; i += READS_AT_ONCE) {
        const chunk = page.entries.slice(i, i + READS_AT_ONCE);
        const docs = await Promise.all(chunk.map((e) => this.collection.findOne({ _id: e.id }, projection ? { projection } : {})));
        // A job deleted since the index was read is left out; one of another tenant cannot be listed.
        for (const d of docs) if (d && d.tenantId === tenantId) items.push(d);
      }
    }
    return { items, hasNextPage: page.hasNextPage, totalCount: page.totalCount };
  }

  /**
   * Writes fields of the job by `_id`. The caller holds the job's lease (see LeasedJob),
   * so no other writer changes the document meanwhile: FerretDB rewrites whole documents.
   */
  async update(id: string, set: Partial<JobDoc>): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: set });
    // The lists follow the job record: a status change moves the job between filtered lists and counts.
    if (set.status) await this.listIndex.setStatus(id, set.status);
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
