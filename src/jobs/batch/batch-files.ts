/**
 * A final batch's files at the provider (its input, output and error files), deleted once its
 * answers are stored: left there, they count against the tenant's provider storage until the
 * provider expires them, if it does. Best effort: a
 * failed delete never holds up a job. A transient failure is tried again by the next few
 * rounds; any other (no right to delete files, say) leaves the file at the provider, with a
 * warning. A file already gone counts as deleted (BatchApi.deleteFile).
 */
import { isAiError, type ProviderBatch } from '../../ai/index.js';
import type { FileToDelete } from '../../db/jobs/index.js';
import type { BatchRoundDeps } from './round-deps.js';

/** Rounds that try to delete a file before it is left at the provider. */
export const FILE_DELETE_TRIES = 5;

/** The files of a final batch, none tried yet. */
export function filesOf(provider: ProviderBatch): FileToDelete[] {
  const ids = [provider.inputFileId, provider.outputFileId, provider.errorFileId].filter((id): id is string => !!id);
  return [...new Set(ids)].map((id) => ({ id, tries: 0 }));
}

/** The file to try again in a later round after its delete failed with `err`; null: it is left at the provider. */
export function afterFailedDelete(file: FileToDelete, err: unknown): FileToDelete | null {
  const tries = file.tries + 1;
  return isAiError(err) && err.retryable && tries < FILE_DELETE_TRIES ? { id: file.id, tries } : null;
}

/** Deletes the files at the provider; returns those to try again in a later round. */
export async function deleteBatchFiles(deps: Pick<BatchRoundDeps, 'api' | 'logger'>, batchId: string, files: readonly FileToDelete[]): Promise<FileToDelete[]> {
  const left: FileToDelete[] = [];
  for (const file of files) {
    try {
      await deps.api.deleteFile(file.id);
    } catch (err) {
      const again = afterFailedDelete(file, err);
      if (again) left.push(again);
      // The error is an AiError: its message has the provider's secrets blanked out.
      deps.logger.warn({ err, batch: batchId, file: file.id, tries: file.tries + 1 }, again ? "deleting a batch file at the provider failed; a later round tries again" : "deleting a batch file at the provider failed; it stays there");
    }
  }
  return left;
}
