/**
 * Who is calling and what they may touch. An API key reaches its whole tenant; a scoped
 * access token reaches only its own jobs and batches (a job of a batch in scope counts),
 * may submit only its kinds, and may upload files only when minted with `uploadFiles` (the
 * files it uploads are then its own). The resolvers and `POST /files` ask these small questions.
 */
import type { SubmitAllowance } from '../config/index.js';
import { AppError, ErrorCode } from '../errors/index.js';

export interface KeyAccess {
  kind: 'key';
  /** The key's hash: a token minted with it stops working when this key is revoked. */
  keyHash: string;
}

export interface TokenAccess {
  kind: 'token';
  /** The token's hash (its stored `_id`). */
  tokenHash: string;
  /** The hash of the key that minted it: the token stops working when that key is revoked. */
  keyHash: string;
  jobIds: Set<string>;
  batchIds: Set<string>;
  submitKinds: Set<string>;
  /** May upload files (POST /files); the files it uploaded are `fileIds`. */
  uploadFiles: boolean;
  fileIds: Set<string>;
  /** What its submissions may ask for, fixed at minting (submit-allowance.ts). */
  allowance: SubmitAllowance;
  expiresAt: Date;
}

export type Access = KeyAccess | TokenAccess;

/** Ids one token may reach in all (named at minting plus submitted or uploaded with it). */
export const MAX_SCOPE_IDS = 1_000;

/** True when the caller may see this job (undefined access: an API key's whole tenant). */
export function canSeeJob(access: Access | undefined, job: { id: string; batchId?: string | null }): boolean {
  if (access?.kind !== 'token') return true;
  return access.jobIds.has(job.id) || (!!job.batchId && access.batchIds.has(job.batchId));
}

export function canSeeBatch(access: Access | undefined, batchId: string): boolean {
  return access?.kind !== 'token' || access.batchIds.has(batchId);
}

/** True when the caller may see or name this uploaded file (a token: one it uploaded). */
export function canUseFile(access: Access | undefined, fileId: string): boolean {
  return access?.kind !== 'token' || access.fileIds.has(fileId);
}

const scopeSize = (access: TokenAccess): number => access.jobIds.size + access.batchIds.size + access.fileIds.size;

/** Throws FORBIDDEN when the caller may not upload files (a token minted without uploadFiles, or full). */
export function assertCanUpload(access: Access | undefined): void {
  if (access?.kind !== 'token') return;
  if (!access.uploadFiles) throw new AppError(ErrorCode.FORBIDDEN, 'this access token may not upload files; mint it with uploadFiles: true');
  if (scopeSize(access) >= MAX_SCOPE_IDS) throw new AppError(ErrorCode.FORBIDDEN, `this access token reaches ${MAX_SCOPE_IDS} jobs, batches and files already; mint a new one`);
}

/** Throws FORBIDDEN when a token may not submit jobs of this kind. */
export function assertCanSubmit(access: Access | undefined, kind: string): void {
  if (access?.kind === 'token' && !access.submitKinds.has(kind)) {
    throw new AppError(ErrorCode.FORBIDDEN, `this access token may not submit ${kind} jobs`);
  }
  if (access?.kind === 'token' && scopeSize(access) >= MAX_SCOPE_IDS) {
    throw new AppError(ErrorCode.FORBIDDEN, `this access token reaches ${MAX_SCOPE_IDS} jobs, batches and files already; mint a new one`);
  }
}

/** What a submission may ask for: a token's allowance; null for an API key (anything the deployment allows). */
export function submitAllowance(access: Access | undefined): SubmitAllowance | null {
  return access?.kind === 'token' ? access.allowance : null;
}

/**
 * The idempotency key as stored: a token's keys are its own, so that a token cannot
 * reach another caller's job (and its result) by sending the same key and input.
 */
export function scopedIdempotencyKey(access: Access | undefined, key: string | null | undefined): string | null | undefined {
  if (access?.kind !== 'token' || key == null) return key;
  return `token:${access.tokenHash.slice(0, 16)}:${key}`;
}

/** Throws FORBIDDEN for a token: what only an API key may do (lists, webhooks, control, minting). */
export function assertApiKey(access: Access | undefined, what: string): void {
  if (access?.kind === 'token') throw new AppError(ErrorCode.FORBIDDEN, `an access token cannot use ${what}; it reads its own jobs and batches only`);
}
