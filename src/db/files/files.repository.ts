/**
 * The `files` collection (one record per uploaded file), its list index and its bytes in
 * GridFS's layout (file-content.ts). Every read of a record is by `_id`; a list reads its
 * page's ids from the index (file-list-index.ts) and then each record by `_id`.
 */
import type { Collection, Db } from 'mongodb';
import type { FileDoc } from './docs.js';
import { FileContentStore } from './file-content.js';
import { FileListIndex, type Place } from './file-list-index.js';

export interface FilePage {
  items: FileDoc[];
  hasNextPage: boolean;
  totalCount: number;
}

export class FilesRepository {
  readonly collection: Collection<FileDoc>;
  readonly listIndex: FileListIndex;
  readonly content: FileContentStore;

  constructor(db: Db) {
    this.collection = db.collection<FileDoc>('files');
    this.listIndex = new FileListIndex(db);
    this.content = new FileContentStore(db);
  }

  /** For operators' own queries on MongoDB; the service reads by `_id` and the list index only. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tenantId: 1, createdAt: -1, _id: -1 });
    await this.content.ensureIndexes();
  }

  /** Lists the file, then stores its record (its bytes are stored already), then forgets the upload's note. */
  async insert(doc: Omit<FileDoc, 'place'>): Promise<FileDoc> {
    const place = await this.listIndex.place(doc.tenantId, doc._id);
    const full: FileDoc = { ...doc, place };
    await this.collection.insertOne(full);
    // The file is whole: a note left by a failure here is dropped by the sweep, which finds the record.
    await this.content.uploadRecorded(doc._id).catch(() => {});
    return full;
  }

  findById(id: string): Promise<FileDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** The file when it is the tenant's; another tenant's is null, as if it did not exist. */
  async findForTenant(tenantId: string, id: string): Promise<FileDoc | null> {
    const doc = await this.findById(id);
    return doc && doc.tenantId === tenantId ? doc : null;
  }

  /** A page of the tenant's files, newest first, after the file listed at `after`. */
  async page(tenantId: string, first: number, after?: Place): Promise<FilePage> {
    const { entries, total } = await this.listIndex.page(tenantId, first + 1, after);
    const docs = await Promise.all(entries.slice(0, first).map((e) => this.findById(e.id)));
    // A record missing here was deleted in between (or its upload died before storing it).
    const items = docs.filter((d): d is FileDoc => d !== null && d.tenantId === tenantId);
    return { items, hasNextPage: entries.length > first, totalCount: total };
  }

  /**
   * Uploads cut off by a crash (their note outlived the upload's time limit): their bytes are
   * removed, by `_id`. One whose record got stored lost only its note. Returns how many were removed.
   */
  async sweepAbandonedUploads(now: Date, limit: number): Promise<number> {
    let removed = 0;
    for (const upload of await this.content.abandonedUploads(now, limit)) {
      if (await this.findById(upload._id)) {
        await this.content.uploadRecorded(upload._id);
      } else {
        await this.content.delete(upload._id);
        removed += 1;
      }
    }
    return removed;
  }

  /** Unlists the file, then removes its record and its bytes; true when this call removed the record. */
  async delete(doc: FileDoc): Promise<boolean> {
    await this.listIndex.remove(doc.tenantId, doc._id, doc.place);
    const { deletedCount } = await this.collection.deleteOne({ _id: doc._id });
    await this.content.delete(doc._id);
    return deletedCount > 0;
  }
}
