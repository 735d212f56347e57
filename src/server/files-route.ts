/**
 * `POST /files`: an upload, authorised like GraphQL — an API key, or a browser's access
 * token minted with `uploadFiles` (the file then joins the token's scope) — and limited
 * like it (UNAUTHENTICATED_RATE_LIMIT, API_RATE_LIMIT). The body is read by the files
 * domain as a stream; errors answer in GraphQL's shape: `{ errors: [{ message, extensions: { code } }] }`.
 */
import type { Request, Response } from 'express';
import { assertCanUpload } from '../auth/access-scope.js';
import { RateLimitedError } from '../auth/rate-limits.js';
import { AppError, ErrorCode } from '../errors/index.js';
import type { Services } from './services.js';
import type { UnauthenticatedLimit } from './unauthenticated-limit.js';

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
};

function answerError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

export function filesRoute(services: Services, unauthenticated: UnauthenticatedLimit) {
  return async (req: Request, res: Response): Promise<void> => {
    const address = req.ip ?? 'unknown';
    try {
      unauthenticated.assertAllowed(address);
      const caller = await services.accessTokens.authenticate(req.headers.authorization).catch((err: unknown) => {
        if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED) unauthenticated.noteFailure(address);
        throw err;
      });
      await services.rateLimiter.take(caller.tenant._id, 'request');
      assertCanUpload(caller.access);
      const outcome = await services.files.receive(req, caller.tenant._id);
      if (!outcome.ok) return answerError(res, outcome.status, outcome.code, outcome.message);
      const { file } = outcome;
      if (caller.access.kind === 'token') await services.accessTokens.widen(caller.access, { fileId: file._id });
      res.status(201).json({ id: file._id, name: file.name, contentType: file.contentType, size: file.size, sha256: file.sha256, createdAt: file.createdAt.toISOString() });
    } catch (err) {
      if (err instanceof RateLimitedError) {
        res.setHeader('retry-after', String(err.retryAfter));
        return answerError(res, 429, err.code, err.message, { retryAfter: err.retryAfter });
      }
      if (err instanceof AppError && STATUS[err.code]) return answerError(res, STATUS[err.code]!, err.code, err.message);
      services.logger.error({ err }, 'upload failed');
      // The rest of the body is not read: the connection closes after this answer.
      res.setHeader('connection', 'close');
      answerError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'the upload failed; nothing was stored');
    }
  };
}
