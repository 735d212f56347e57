/**
 * The files a submission refers to, checked before anything is stored: an upload must exist
 * and be the tenant's (and, for a browser's access token, one it may use), or it is
 * NOT_FOUND exactly like another tenant's; a URL must have a shape the worker may fetch.
 * Whether a URL's host is public is checked where it counts: at connect time, in the worker.
 */
import { AppError, badInput, ErrorCode } from '../../errors/index.js';
import { isUploadRef, type FileRef, type Pipeline } from '../pipelines/index.js';
import type { JobsDomain } from './domain.js';

type Path = ReadonlyArray<string | number>;

/** Narrows which uploads a caller may name (a scoped access token: those it uploaded). */
export type FileScope = (fileId: string) => boolean;

export async function checkFileRefs(d: JobsDomain, tenantId: string, pipeline: Pipeline<unknown>, input: unknown, base: Path, scope?: FileScope): Promise<void> {
  for (const [path, ref] of pipeline.fileRefs?.(input) ?? []) {
    const at = [...base, ...path];
    if (!d.files) throw badInput(at, 'this deployment reads no files');
    if (isUploadRef(ref)) {
      const found = scope && !scope(ref.id) ? null : await d.files.find(tenantId, ref.id);
      if (!found) throw new AppError(ErrorCode.NOT_FOUND, `${[...at, 'id'].join('.')}: file ${ref.id} was not found`, [...at, 'id']);
    } else {
      const problem = d.files.urlProblem(ref.url);
      if (problem) throw badInput([...at, 'url'], problem);
    }
  }
}

/** A reference as GraphQL gives it (absent fields as null) in the shape a kind's input takes. */
export function fileRefFrom(given: { id?: string | null; url?: string | null }): FileRef {
  const ref: Record<string, string> = {};
  if (given.id !== null && given.id !== undefined) ref.id = given.id;
  if (given.url !== null && given.url !== undefined) ref.url = given.url;
  return ref as FileRef;
}
