/**
 * The stored shapes of the job list index (see docs/lists.md): every document is read and
 * written by an `_id` computed from what a list asks for, the one lookup FerretDB answers
 * from an index.
 *
 * - A bucket holds up to BUCKET_SIZE of a tenant's jobs in the order they were stored
 *   (oldest first), with what the console filters on: kind, batch, status, created time.
 * - The tenant's counts document says which bucket is the newest and keeps the counts
 *   `totalCount` answers: all jobs, by status, by kind and status.
 * - A batch's document says which buckets its jobs are in, and counts them by status.
 * - A locator says where one job is (tenant, bucket, position): a status change or a
 *   cursor finds its place with one lookup.
 */
import type { JobStatusValue } from './docs.js';

/** Jobs per bucket: a page of 20 jobs reads one or two; a filter that matches few reads one per this many jobs. */
export const BUCKET_SIZE = 500;

export type StatusCounts = Partial<Record<JobStatusValue, number>>;

export interface ListBucketDoc {
  _id: string;
  tenantId: string;
  bucket: number;
  ids: string[];
  /** createdAt, in milliseconds. */
  at: number[];
  kinds: string[];
  batches: Array<string | null>;
  /** The status as of the job's last change; null once the job was deleted. */
  statuses: Array<JobStatusValue | null>;
}

export interface ListCountsDoc {
  _id: string;
  tenantId: string;
  /** The newest bucket's number (buckets are 0, 1, 2 …). */
  head: number;
  total: number;
  byStatus: StatusCounts;
  /** Kind names may contain `.`, which FerretDB refuses in keys: a list, not a map. */
  byKind: Array<{ kind: string; total: number; byStatus: StatusCounts }>;
}

export interface ListBatchDoc {
  _id: string;
  tenantId: string;
  /** The first and last place of its jobs: [bucket, position]. */
  first: [number, number];
  last: [number, number];
  total: number;
  byStatus: StatusCounts;
}

export interface ListLocatorDoc {
  /** The job's id. */
  _id: string;
  tenantId: string;
  bucket: number;
  position: number;
}

/** Tenant ids are free text: their length goes first so that no two keys can collide. */
const scope = (tenantId: string): string => `${tenantId.length}:${tenantId}`;
export const bucketId = (tenantId: string, bucket: number): string => `k:${scope(tenantId)}:${bucket}`;
export const countsId = (tenantId: string): string => `c:${scope(tenantId)}`;
export const batchListId = (batchId: string): string => `b:${batchId}`;
export const tenantLockKey = (tenantId: string): string => `jobs:${scope(tenantId)}`;

export function addCount(counts: StatusCounts, status: JobStatusValue, by: number): void {
  counts[status] = (counts[status] ?? 0) + by;
}

export function sumCounts(counts: StatusCounts, statuses: readonly JobStatusValue[]): number {
  return statuses.reduce((n, s) => n + (counts[s] ?? 0), 0);
}
