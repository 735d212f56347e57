/**
 * `offline_batch_objects`: the files and batches of the offline provider's stand-in Batch API
 * (src/ai/offline-batches.ts), in the database so that every worker of a fleet sees the batch
 * another one created. Development only; a handful of documents, read whole by type.
 */
import type { Collection, Db, Filter } from 'mongodb';

interface OfflineObjectDoc<T> {
  _id: string;
  type: 'file' | 'batch';
  value: T;
}

export class OfflineBatchesRepository<T extends { id: string; type: 'file' | 'batch' }> {
  private readonly collection: Collection<OfflineObjectDoc<T>>;

  constructor(db: Db) {
    this.collection = db.collection<OfflineObjectDoc<T>>('offline_batch_objects');
  }

  async put(value: T): Promise<void> {
    await this.collection.replaceOne({ _id: value.id }, { type: value.type, value } as OfflineObjectDoc<T>, { upsert: true });
  }

  async get(id: string): Promise<T | null> {
    return ((await this.collection.findOne({ _id: id }))?.value as T | undefined) ?? null;
  }

  async list(type: 'file' | 'batch'): Promise<T[]> {
    return (await this.collection.find({ type } as Filter<OfflineObjectDoc<T>>).toArray()).map((d) => d.value as T);
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }
}
