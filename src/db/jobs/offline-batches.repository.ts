/**
 * `offline_batch_objects`: the files and batches of the offline provider's stand-in Batch API
 * (src/ai/offline-batches.ts), in the database so that every worker of a fleet sees the batch
 * another one created. Development only; a handful of documents, read whole by type.
 */
import type { Collection, Db } from 'mongodb';

interface OfflineObjectDoc {
  _id: string;
  type: 'file' | 'batch';
  value: Record<string, unknown>;
}

export class OfflineBatchesRepository {
  private readonly collection: Collection<OfflineObjectDoc>;

  constructor(db: Db) {
    this.collection = db.collection<OfflineObjectDoc>('offline_batch_objects');
  }

  async put(value: { id: string; type: 'file' | 'batch' }): Promise<void> {
    await this.collection.replaceOne({ _id: value.id }, { type: value.type, value: value as unknown as Record<string, unknown> }, { upsert: true });
  }

  async get(id: string): Promise<unknown> {
    return (await this.collection.findOne({ _id: id }))?.value ?? null;
  }

  async list(type: 'file' | 'batch'): Promise<unknown[]> {
    return (await this.collection.find({ type }).toArray()).map((d) => d.value);
  }
}
