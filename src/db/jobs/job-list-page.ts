/**
 * Reads a page of a tenant's jobs from the list index, newest first: it starts at the
 * newest bucket (or the cursor's place, or the batch's last place) and walks the buckets
 * down, one `_id` lookup per BUCKET_SIZE jobs, until the page is full. `totalCount` comes
 * from the kept counts (one lookup); only a created-time range is counted by walking the
 * buckets of that range.
 */
import type { JobStatusValue } from './docs.js';
import { sumCounts, type ListBucketDoc, type ListCountsDoc } from './job-list-docs.js';
import type { JobListIndex } from './job-list-index.js';
import type { PagePosition } from '../page-cursor.js';

export interface JobListFilter {
  status?: JobStatusValue[];
  kind?: string;
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/** One job as the index lists it. */
export interface ListEntry {
  id: string;
  createdAt: Date;
  status: JobStatusValue;
}

export interface EntryPage {
  entries: ListEntry[];
  hasNextPage: boolean;
  totalCount: number;
}

/**
 * Buckets are in the order jobs were stored, which follows createdAt except for jobs that
 * different processes stored within the same moment: a `createdAfter` walk stops only at a
 * bucket this much older than the bound.
 */
const CREATED_SLACK_MS = 5 * 60_000;
/** Buckets read at once once the first did not fill the page (a filter that matches few jobs). */
const READ_AHEAD = 4;

type Place = [bucket: number, position: number];

interface Walk {
  start: Place;
  lowest: Place;
  /** A cursor whose job is gone: skip entries until past its (createdAt, id). */
  skipUntil?: PagePosition;
}

export async function readEntryPage(index: JobListIndex, tenantId: string, filter: JobListFilter, first: number, after?: PagePosition): Promise<EntryPage> {
  const counts = await index.counts(tenantId);
  const walk = counts && (await planWalk(index, tenantId, counts.head, filter, after));
  if (!counts || !walk) return { entries: [], hasNextPage: false, totalCount: 0 };
  const [entries, totalCount] = await Promise.all([
    collect(index, tenantId, walk, filter, first + 1),
    countMatching(index, tenantId, filter, counts),
  ]);
  return { entries: entries.slice(0, first), hasNextPage: entries.length > first, totalCount };
}

async function planWalk(index: JobListIndex, tenantId: string, head: number, filter: JobListFilter, after?: PagePosition): Promise<Walk | null> {
  let walk: Walk = { start: [head, Number.MAX_SAFE_INTEGER], lowest: [0, 0] };
  if (filter.batchId) {
    const batch = await index.batch(filter.batchId);
    if (!batch || batch.tenantId !== tenantId) return null;
    walk = { start: batch.last, lowest: batch.first };
  }
  if (!after) return walk;
  const loc = await index.locate(after.id);
  if (!loc || loc.tenantId !== tenantId) return { ...walk, skipUntil: after };
  const next: Place = [loc.bucket, loc.position - 1];
  return older(next, walk.start) ? { ...walk, start: next } : walk;
}

const older = (a: Place, b: Place): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

function matches(b: ListBucketDoc, i: number, f: JobListFilter, skipUntil?: PagePosition): boolean {
  const status = b.statuses[i];
  if (status === null || status === undefined) return false;
  if (f.status?.length && !f.status.includes(status)) return false;
  if (f.kind && b.kinds[i] !== f.kind) return false;
  if (f.batchId && b.batches[i] !== f.batchId) return false;
  const at = b.at[i]!;
  if (f.createdAfter && !(at > f.createdAfter.getTime())) return false;
  if (f.createdBefore && !(at < f.createdBefore.getTime())) return false;
  if (skipUntil) {
    const t = skipUntil.createdAt.getTime();
    if (at > t || (at === t && b.ids[i]! >= skipUntil.id)) return false;
  }
  return true;
}

/** Walks from `walk.start` down to `walk.lowest`, handing each matching entry to `take` until it returns false. */
async function eachMatch(index: JobListIndex, tenantId: string, walk: Walk, filter: JobListFilter, take: (b: ListBucketDoc, i: number) => boolean): Promise<void> {
  const [lowBucket, lowPosition] = walk.lowest;
  const afterMs = filter.createdAfter?.getTime();
  let pending: Array<Promise<ListBucketDoc | null>> = [];
  let next = walk.start[0];
  let firstRead = true;
  while (next >= lowBucket || pending.length > 0) {
    if (pending.length === 0) {
      const n = firstRead ? 1 : READ_AHEAD;
      for (let j = 0; j < n && next >= lowBucket; j++) pending.push(index.bucket(tenantId, next--));
      firstRead = false;
    }
    const bucket = await pending.shift()!;
    if (!bucket) continue;
    const from = bucket.bucket === walk.start[0] ? Math.min(walk.start[1], bucket.ids.length - 1) : bucket.ids.length - 1;
    const to = bucket.bucket === lowBucket ? lowPosition : 0;
    for (let i = from; i >= to; i--) {
      if (matches(bucket, i, filter, walk.skipUntil) && !take(bucket, i)) return;
    }
    // Everything older than this bucket was created before the range starts.
    if (afterMs !== undefined && bucket.at.length > 0 && bucket.at[bucket.at.length - 1]! < afterMs - CREATED_SLACK_MS) return;
  }
}

async function collect(index: JobListIndex, tenantId: string, walk: Walk, filter: JobListFilter, want: number): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  if (want <= 0) return out;
  await eachMatch(index, tenantId, walk, filter, (b, i) => {
    out.push({ id: b.ids[i]!, createdAt: new Date(b.at[i]!), status: b.statuses[i]! });
    return out.length < want;
  });
  return out;
}

async function countMatching(index: JobListIndex, tenantId: string, filter: JobListFilter, counts: ListCountsDoc): Promise<number> {
  const statuses = filter.status?.length ? filter.status : null;
  if (filter.createdAfter || filter.createdBefore) {
    const walk = await planWalk(index, tenantId, counts.head, filter);
    if (!walk) return 0;
    let n = 0;
    await eachMatch(index, tenantId, walk, filter, () => (n++, true));
    return n;
  }
  if (filter.batchId) {
    const batch = await index.batch(filter.batchId);
    if (!batch || batch.tenantId !== tenantId) return 0;
    if (filter.kind) {
      // A batch holds one kind; the filter's kind either is it or matches none.
      const walk = await planWalk(index, tenantId, counts.head, filter);
      let n = 0;
      if (walk) await eachMatch(index, tenantId, walk, filter, () => (n++, true));
      return n;
    }
    return statuses ? sumCounts(batch.byStatus, statuses) : batch.total;
  }
  if (filter.kind) {
    const k = counts.byKind.find((e) => e.kind === filter.kind);
    if (!k) return 0;
    return statuses ? sumCounts(k.byStatus, statuses) : k.total;
  }
  return statuses ? sumCounts(counts.byStatus, statuses) : counts.total;
}
