/**
 * Keeps the job list index (shapes in job-list-docs.ts, design in docs/lists.md) as jobs are
 * stored, change status and are deleted. Every change of a tenant's index happens under
 * that tenant's list lock (list-lock.ts), so on FerretDB, which rewrites whole documents
 * without a condition, no change is lost and the counts stay exact across processes.
 * Placements and status changes of one tenant that arrive while its lock is held go
 * together under the next one (group-commit.ts): one lock, one read and one write of each
 * bucket and of the counts for the lot, where each change alone costs all of them.
 */
import type { Collection, Db } from 'mongodb';
import type { JobDoc, JobStatusValue } from './docs.js';
import {
  addCount,
  batchListId,
  BUCKET_SIZE,
  bucketId,
  countsId,
  tenantLockKey,
  type ListBatchDoc,
  type ListBucketDoc,
  type ListCountsDoc,
  type ListLocatorDoc,
} from './job-list-docs.js';
import { ListLock, type ListLockDoc, type ListLockOptions } from '../list-lock.js';
import { GroupCommit } from '../group-commit.js';

/** What the index needs of a job. */
export type ListedJob = Pick<JobDoc, '_id' | 'tenantId' | 'kind' | 'batchId' | 'status' | 'createdAt'>;

/** Locators never change once written: a process keeps the ones it used. */
const LOCATOR_CACHE = 10_000;

/** Placement calls (each up to a store round of jobs) under one hold of a tenant's lock: the hold stays short. */
const PLACEMENTS_PER_HOLD = 20;

/** A job's entry at `loc` becomes `status` (null: deleted). */
type StatusChange = { loc: ListLocatorDoc; status: JobStatusValue | null };

export class JobListIndex {
  /** Buckets, counts and batch documents. */
  readonly lists: Collection<ListBucketDoc | ListCountsDoc | ListBatchDoc>;
  readonly locators: Collection<ListLocatorDoc>;
  private readonly lock: ListLock;
  private readonly cache = new Map<string, ListLocatorDoc>();
  /** Per tenant, the placements and the status changes waiting for its lock. */
  private readonly placing = new Map<string, GroupCommit<ListedJob[], void>>();
  private readonly changing = new Map<string, GroupCommit<StatusChange, void>>();

  constructor(db: Db, lockOptions: ListLockOptions = {}) {
    this.lists = db.collection('job_lists');
    this.locators = db.collection('job_list_locators');
    this.lock = new ListLock(db.collection<ListLockDoc>('job_list_locks'), lockOptions);
  }

  bucket(tenantId: string, n: number): Promise<ListBucketDoc | null> {
    return this.lists.findOne({ _id: bucketId(tenantId, n) }) as Promise<ListBucketDoc | null>;
  }

  counts(tenantId: string): Promise<ListCountsDoc | null> {
    return this.lists.findOne({ _id: countsId(tenantId) }) as Promise<ListCountsDoc | null>;
  }

  batch(batchId: string): Promise<ListBatchDoc | null> {
    return this.lists.findOne({ _id: batchListId(batchId) }) as Promise<ListBatchDoc | null>;
  }

  async locate(jobId: string): Promise<ListLocatorDoc | null> {
    const cached = this.cache.get(jobId);
    if (cached) return cached;
    const found = await this.locators.findOne({ _id: jobId });
    if (found) this.remember(found);
    return found;
  }

  /** Appends newly stored jobs (of any tenants) to their tenants' lists, oldest first. */
  async place(jobs: readonly ListedJob[]): Promise<void> {
    const byTenant = new Map<string, ListedJob[]>();
    for (const j of jobs) byTenant.set(j.tenantId, [...(byTenant.get(j.tenantId) ?? []), j]);
    // One call's jobs of a tenant are one item: placed together, in (createdAt, id) order.
    await Promise.all(
      [...byTenant].map(([tenantId, list]) =>
        this.grouped(this.placing, tenantId, list, (_tenant, lists) => {
          const sorted = lists.flat().sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
          return this.placeLocked(tenantId, sorted);
        }, PLACEMENTS_PER_HOLD),
      ),
    );
  }

  /** Records a job's new status (the job document was written first). A job not in the index is left alone. */
  async setStatus(jobId: string, status: JobStatusValue): Promise<void> {
    const loc = await this.locate(jobId);
    if (!loc) return;
    await this.grouped(this.changing, loc.tenantId, { loc, status }, (tenantId, changes) => this.changeLocked(tenantId, changes));
  }

  /** Takes a deleted job out of its lists and counts. */
  async remove(jobId: string): Promise<void> {
    const loc = await this.locate(jobId);
    if (!loc) return;
    await this.grouped(this.changing, loc.tenantId, { loc, status: null }, (tenantId, changes) => this.changeLocked(tenantId, changes));
    await this.locators.deleteOne({ _id: jobId });
    this.cache.delete(jobId);
  }

  /** Runs `item` with the tenant's other items of its kind waiting meanwhile, all under one hold of the tenant's lock. */
  private async grouped<I>(
    groups: Map<string, GroupCommit<I, void>>,
    tenantId: string,
    item: I,
    apply: (tenantId: string, items: I[]) => Promise<void>,
    maxPerHold = 500,
  ): Promise<void> {
    let group = groups.get(tenantId);
    if (!group) {
      group = new GroupCommit<I, void>(async (items) => {
        await this.lock.with(tenantLockKey(tenantId), () => apply(tenantId, items));
        return items.map(() => undefined);
      }, maxPerHold);
      groups.set(tenantId, group);
    }
    try {
      await group.submit(item);
    } finally {
      if (!group.busy && groups.get(tenantId) === group) groups.delete(tenantId);
    }
  }

  private async placeLocked(tenantId: string, jobs: readonly ListedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const counts: ListCountsDoc = (await this.counts(tenantId)) ?? { _id: countsId(tenantId), tenantId, head: 0, total: 0, byStatus: {}, byKind: [] };
    let bucket: ListBucketDoc = (await this.bucket(tenantId, counts.head)) ?? emptyBucket(tenantId, counts.head);
    const changed: ListBucketDoc[] = [bucket];
    const locators: ListLocatorDoc[] = [];
    const batches = new Map<string, ListBatchDoc>();
    for (const job of jobs) {
      if (bucket.ids.length >= BUCKET_SIZE) {
        bucket = emptyBucket(tenantId, bucket.bucket + 1);
        changed.push(bucket);
      }
      const position = bucket.ids.length;
      bucket.ids.push(job._id);
      bucket.at.push(job.createdAt.getTime());
      bucket.kinds.push(job.kind);
      bucket.batches.push(job.batchId);
      bucket.statuses.push(job.status);
      locators.push({ _id: job._id, tenantId, bucket: bucket.bucket, position });
      countJob(counts, job.kind, job.status, +1);
      if (job.batchId) {
        let b = batches.get(job.batchId) ?? (await this.batch(job.batchId));
        const place: [number, number] = [bucket.bucket, position];
        b ??= { _id: batchListId(job.batchId), tenantId, first: place, last: place, total: 0, byStatus: {} };
        b.last = place;
        b.total += 1;
        addCount(b.byStatus, job.status, 1);
        batches.set(job.batchId, b);
      }
    }
    counts.head = bucket.bucket;
    // Locators first: a job is found by its place only once the place is written (below),
    // and a reader skips places past a bucket's end. Counts last: they name the head.
    const already = await this.insertLocators(locators);
    if (already.size > 0) return this.placeLocked(tenantId, jobs.filter((j) => !already.has(j._id)));
    for (const b of changed) await this.lists.replaceOne({ _id: b._id }, b, { upsert: true });
    for (const b of batches.values()) await this.lists.replaceOne({ _id: b._id }, b, { upsert: true });
    await this.lists.replaceOne({ _id: counts._id }, counts, { upsert: true });
    for (const l of locators) this.remember(l);
  }

  /**
   * Inserts the locators; a job that already has one (stored and placed before, e.g. an
   * insert that is retried) must not take a second place: its id is returned, and the
   * locators this call did insert are taken back, so that the caller places the rest anew.
   */
  private async insertLocators(locators: ListLocatorDoc[]): Promise<Set<string>> {
    try {
      await this.locators.insertMany(locators, { ordered: false });
      return new Set();
    } catch (err) {
      const failed = (err as { writeErrors?: Array<{ index: number; code?: number }> | { index: number; code?: number } }).writeErrors;
      const errors = Array.isArray(failed) ? failed : failed ? [failed] : [];
      if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw err;
      const taken = new Set(errors.map((e) => locators[e.index]!._id));
      await Promise.all(locators.filter((l) => !taken.has(l._id)).map((l) => this.locators.deleteOne({ _id: l._id })));
      return taken;
    }
  }

  /** Under the tenant's lock: each change in order, every bucket, batch and the counts read and written once. */
  private async changeLocked(tenantId: string, changes: readonly StatusChange[]): Promise<void> {
    const buckets = new Map<number, ListBucketDoc | null>();
    for (const { loc } of changes) if (!buckets.has(loc.bucket)) buckets.set(loc.bucket, null);
    await Promise.all([...buckets.keys()].map(async (n) => buckets.set(n, await this.bucket(tenantId, n))));
    let counts: ListCountsDoc | null | undefined;
    const batches = new Map<string, ListBatchDoc | null>();
    const changed = new Set<ListBucketDoc>();
    for (const { loc, status } of changes) {
      const bucket = buckets.get(loc.bucket);
      const old = bucket?.statuses[loc.position];
      if (!bucket || old === undefined || old === null || old === status) continue;
      const kind = bucket.kinds[loc.position]!;
      const batchId = bucket.batches[loc.position] ?? null;
      bucket.statuses[loc.position] = status;
      changed.add(bucket);
      if (counts === undefined) counts = await this.counts(tenantId);
      if (counts) {
        countJob(counts, kind, old, -1);
        if (status) countJob(counts, kind, status, +1);
      }
      if (batchId) {
        if (!batches.has(batchId)) batches.set(batchId, await this.batch(batchId));
        const batch = batches.get(batchId);
        if (batch) {
          addCount(batch.byStatus, old, -1);
          if (status) addCount(batch.byStatus, status, 1);
          else batch.total -= 1;
        }
      }
    }
    for (const bucket of changed) await this.lists.replaceOne({ _id: bucket._id }, bucket);
    if (counts) await this.lists.replaceOne({ _id: counts._id }, counts);
    for (const batch of batches.values()) if (batch) await this.lists.replaceOne({ _id: batch._id }, batch);
  }

  private remember(loc: ListLocatorDoc): void {
    if (this.cache.size >= LOCATOR_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(loc._id, loc);
  }
}

function emptyBucket(tenantId: string, n: number): ListBucketDoc {
  return { _id: bucketId(tenantId, n), tenantId, bucket: n, ids: [], at: [], kinds: [], batches: [], statuses: [] };
}

/** Adds (`by` = 1) or takes away (-1) one job of `kind` in `status` from the tenant's counts. */
function countJob(counts: ListCountsDoc, kind: string, status: JobStatusValue, by: number): void {
  addCount(counts.byStatus, status, by);
  let k = counts.byKind.find((e) => e.kind === kind);
  if (!k) {
    k = { kind, total: 0, byStatus: {} };
    counts.byKind.push(k);
  }
  addCount(k.byStatus, status, by);
  k.total += by;
  counts.total += by;
}
