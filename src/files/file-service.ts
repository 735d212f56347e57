/**
 * The files as resolvers see them: every call is scoped to a tenant, and another tenant's
 * file behaves exactly like one that does not exist (NOT_FOUND). Deleting a file removes
 * its record, its place in the list and its bytes; jobs that read it keep what they read
 * (the `read` step's output and their result are the job's own).
 */
import type { FileDoc, FilePage, FilesRepository, Place } from '../db/files/index.js';
import { badInput, notFound } from '../errors/index.js';

export const DEFAULT_FILES_PAGE = 20;
export const MAX_FILES_PAGE = 100;

/** A cursor is the file's place in its tenant's list, which never changes. */
export function fileCursor(doc: FileDoc): string {
  return Buffer.from(JSON.stringify(doc.place)).toString('base64url');
}

function placeOf(cursor: string): Place | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return v as Place;
  } catch {
    // not a cursor of ours
  }
  return undefined;
}

export class FileService {
  constructor(private readonly repository: FilesRepository) {}

  get(tenantId: string, id: string): Promise<FileDoc | null> {
    return this.repository.findForTenant(tenantId, id);
  }

  /** The tenant's files, newest first. */
  list(tenantId: string, first: number | null | undefined, after: string | null | undefined): Promise<FilePage> {
    const size = first ?? DEFAULT_FILES_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_FILES_PAGE) throw badInput(['first'], `must be a whole number from 1 to ${MAX_FILES_PAGE}`);
    const place = after ? placeOf(after) : undefined;
    if (after && !place) throw badInput(['after'], 'is not a cursor of this list');
    return this.repository.page(tenantId, size, place);
  }

  /** Deletes the tenant's file; NOT_FOUND when there is none (or it is another tenant's). */
  async delete(tenantId: string, id: string): Promise<FileDoc> {
    const doc = await this.repository.findForTenant(tenantId, id);
    if (!doc) throw notFound('file', id);
    await this.repository.delete(doc);
    return doc;
  }

  /** Removes the bytes of uploads a crash cut off (see FilesRepository.sweepAbandonedUploads); how many. */
  sweepAbandonedUploads(now: Date, limit: number): Promise<number> {
    return this.repository.sweepAbandonedUploads(now, limit);
  }

  /** Retention: removes the file, whoever's it is; one already gone is no error. */
  async expire(id: string): Promise<void> {
    const doc = await this.repository.findById(id);
    if (doc) await this.repository.delete(doc);
    else await this.repository.content.delete(id);
  }
}
