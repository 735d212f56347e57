/** The `batches` collection: a group of document.analyze jobs submitted together. */
import type { Collection, Db } from 'mongodb';
import type { BatchDoc } from './docs.js';
import { afterFilter, type Page, type PagePosition } from '../page-cursor.js';

export class BatchesRepository {
  readonly collection: Collection<BatchDoc>;

  constructor(db: Db) {
    this.collection = db.collection<BatchDoc>('batches');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tenantId: 1, createdAt: -1, _id: -1 });
  }

  async insert(doc: BatchDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  findById(id: string): Promise<BatchDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** The batch if it belongs to the tenant (looked up by `_id`, the one key every server indexes). */
  /** Retention: removes a finished batch record. */
  async deleteById(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  async findForTenant(tenantId: string, id: string): Promise<BatchDoc | null> {
    const batch = await this.findById(id);
    return batch?.tenantId === tenantId ? batch : null;
  }

  async list(tenantId: string, first: number, after?: PagePosition): Promise<Page<BatchDoc>> {
    const base = { tenantId };
    const query = after ? { $and: [base, afterFilter(after)] } : base;
    const [items, totalCount] = await Promise.all([
      this.collection.find(query).sort({ createdAt: -1, _id: -1 }).limit(first + 1).toArray(),
      this.collection.countDocuments(base),
    ]);
    return { items: items.slice(0, first), hasNextPage: items.length > first, totalCount };
  }

  async update(id: string, set: Partial<BatchDoc>): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: set });
  }
}
