/**
 * Once per database: lists the jobs stored before the list index existed (a database from an
 * earlier version). It reads the whole jobs collection once, so it runs only while no marker
 * says it was done; a fresh database has nothing to list and is marked at once. A job placed
 * meanwhile by another process is not placed twice (see JobListIndex.place).
 */
import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from '../duplicate-key.js';
import type { JobDoc } from './docs.js';
import type { JobListIndex, ListedJob } from './job-list-index.js';

const MARKER = 'm:backfilled';
const CHUNK = 1_000;

export async function backfillListIndex(jobs: Collection<JobDoc>, index: JobListIndex): Promise<void> {
  const lists = index.lists as unknown as Collection<{ _id: string; at: Date }>;
  if (await lists.findOne({ _id: MARKER })) return;
  const placed = new Set<string>();
  for await (const l of index.locators.find({}, { projection: { _id: 1 } })) placed.add(l._id);
  const missing: ListedJob[] = [];
  const projection = { _id: 1, tenantId: 1, kind: 1, batchId: 1, status: 1, createdAt: 1 };
  for await (const j of jobs.find({}, { projection })) if (!placed.has(j._id)) missing.push(j as ListedJob);
  missing.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : 1));
  for (let i = 0; i < missing.length; i += CHUNK) await index.place(missing.slice(i, i + CHUNK));
  try {
    await lists.insertOne({ _id: MARKER, at: new Date() });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}
