/**
 * A tenant's files, newest first, read by `_id` only (FerretDB answers nothing else from an
 * index): buckets of FILE_BUCKET_SIZE ids in the order the files were stored, and one counts
 * document naming the newest bucket and the number of files. A page walks buckets down from
 * the newest (or from a cursor's place); `totalCount` is one lookup. Every change happens
 * under the tenant's list lock (../list-lock.ts), so on FerretDB, which rewrites whole
 * documents without a condition, no change is lost and the count stays exact across processes.
 * The design is the jobs list's (docs/lists.md), without its filters.
 */
import type { Collection, Db } from 'mongodb';
import { ListLock, type ListLockDoc, type ListLockOptions } from '../list-lock.js';
import { FILE_BUCKET_SIZE, fileBucketId, fileCountsId, fileLockKey, type FileBucketDoc, type FileCountsDoc } from './docs.js';

export type Place = [bucket: number, position: number];

/** Buckets read at once once the first did not fill the page (a list with many deleted files). */
const READ_AHEAD = 4;

export class FileListIndex {
  readonly lists: Collection<FileBucketDoc | FileCountsDoc>;
  private readonly lock: ListLock;

  constructor(db: Db, lockOptions: ListLockOptions = {}) {
    this.lists = db.collection('file_lists');
    this.lock = new ListLock(db.collection<ListLockDoc>('file_list_locks'), lockOptions);
  }

  bucket(tenantId: string, n: number): Promise<FileBucketDoc | null> {
    return this.lists.findOne({ _id: fileBucketId(tenantId, n) }) as Promise<FileBucketDoc | null>;
  }

  counts(tenantId: string): Promise<FileCountsDoc | null> {
    return this.lists.findOne({ _id: fileCountsId(tenantId) }) as Promise<FileCountsDoc | null>;
  }

  /** Appends a file to its tenant's list; returns its place. */
  place(tenantId: string, fileId: string): Promise<Place> {
    return this.lock.with(fileLockKey(tenantId), async () => {
      const counts: FileCountsDoc = (await this.counts(tenantId)) ?? { _id: fileCountsId(tenantId), tenantId, head: 0, total: 0 };
      let bucket = (await this.bucket(tenantId, counts.head)) ?? emptyBucket(tenantId, counts.head);
      if (bucket.ids.length >= FILE_BUCKET_SIZE) bucket = emptyBucket(tenantId, bucket.bucket + 1);
      const place: Place = [bucket.bucket, bucket.ids.length];
      bucket.ids.push(fileId);
      bucket.live.push(true);
      counts.head = bucket.bucket;
      counts.total += 1;
      // The bucket first: the counts name the head, which must exist when they are read.
      await this.lists.replaceOne({ _id: bucket._id }, bucket, { upsert: true });
      await this.lists.replaceOne({ _id: counts._id }, counts, { upsert: true });
      return place;
    });
  }

  /** Takes a deleted file out of the list and the count; a file not listed at `place` is left alone. */
  async remove(tenantId: string, fileId: string, [n, position]: Place): Promise<void> {
    await this.lock.with(fileLockKey(tenantId), async () => {
      const bucket = await this.bucket(tenantId, n);
      if (!bucket || bucket.ids[position] !== fileId || !bucket.live[position]) return;
      bucket.live[position] = false;
      const counts = await this.counts(tenantId);
      await this.lists.replaceOne({ _id: bucket._id }, bucket);
      if (counts) {
        counts.total = Math.max(0, counts.total - 1);
        await this.lists.replaceOne({ _id: counts._id }, counts);
      }
    });
  }

  /**
   * Up to `want` listed files, newest first, starting right below `after` (a place from a
   * cursor) or at the newest; with the tenant's count.
   */
  async page(tenantId: string, want: number, after?: Place): Promise<{ entries: Array<{ id: string; place: Place }>; total: number }> {
    const counts = await this.counts(tenantId);
    if (!counts) return { entries: [], total: 0 };
    const [startBucket, startPosition] = after ? [after[0], after[1] - 1] : [counts.head, Number.MAX_SAFE_INTEGER];
    const entries: Array<{ id: string; place: Place }> = [];
    let next = startBucket;
    let pending: Array<Promise<FileBucketDoc | null>> = [];
    let reads = 1;
    while (entries.length < want && (next >= 0 || pending.length > 0)) {
      if (pending.length === 0) {
        for (let j = 0; j < reads && next >= 0; j++) pending.push(this.bucket(tenantId, next--));
        reads = READ_AHEAD;
      }
      const bucket = await pending.shift()!;
      if (!bucket) continue;
      const from = bucket.bucket === startBucket ? Math.min(startPosition, bucket.ids.length - 1) : bucket.ids.length - 1;
      for (let i = from; i >= 0 && entries.length < want; i--) {
        if (bucket.live[i]) entries.push({ id: bucket.ids[i]!, place: [bucket.bucket, i] });
      }
    }
    // Buckets read ahead and not needed: their outcome no longer matters.
    for (const unread of pending) void unread.catch(() => {});
    return { entries, total: counts.total };
  }
}

function emptyBucket(tenantId: string, n: number): FileBucketDoc {
  return { _id: fileBucketId(tenantId, n), tenantId, bucket: n, ids: [], live: [] };
}
