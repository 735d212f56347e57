/**
 * `POST /reviews/<token>`: a review's one-time callback URL (review_requested webhooks carry
 * it; StepReview.callbackUrl shows it). The signed token is the authority, so a Slack or
 * e-mail button needs no API key. The body is JSON `{ decision, output?, comment? }`.
 *
 * Answers: 200 `{ job: { id, status } }`; 400 a bad body (`error.path` names the field); 401 a
 * token that is not ours (counted against UNAUTHENTICATED_RATE_LIMIT, like a bad key); 409
 * the review was answered already, or its job or step finished; 410 the review is over (timed
 * out, or the job was retried since); 429 too many bad tokens from this address.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { RateLimitedError } from '../auth/rate-limits.js';
import { AppError, ErrorCode } from '../errors/index.js';
import { REVIEW_CALLBACK_PATH, ReviewLinkGoneError } from '../jobs/index.js';
import type { Logger } from '../log/logger.js';
import type { Services } from './services.js';
import type { UnauthenticatedLimit } from './unauthenticated-limit.js';

const STATUS_OF: Partial<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
};

export function reviewCallbackRouter(services: Services, unauthenticated: UnauthenticatedLimit, maxBody: string): Router {
  const router = express.Router();
  const logger = services.logger.child({ part: 'review-callback' });
  router.post(`${REVIEW_CALLBACK_PATH}/:token`, express.json({ limit: maxBody }), async (req: Request, res: Response) => {
    const address = req.ip ?? 'unknown';
    try {
      unauthenticated.assertAllowed(address);
      const job = await services.jobs.service.reviewByLink(String(req.params.token), req.body);
      res.json({ job: { id: job._id, status: job.status } });
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED) unauthenticated.noteFailure(address);
      sendError(res, err, logger);
    }
  });
  // A body that is not JSON, or too large, answered in the same shape.
  router.use(REVIEW_CALLBACK_PATH, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string };
    if (e?.type === 'entity.parse.failed') return void res.status(400).json({ error: { code: ErrorCode.BAD_USER_INPUT, message: 'the body is not valid JSON' } });
    if (e?.type === 'entity.too.large') return void res.status(413).json({ error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `the body is larger than ${maxBody}` } });
    next(err);
  });
  return router;
}

function sendError(res: Response, err: unknown, logger: Logger): void {
  if (err instanceof ReviewLinkGoneError) return void res.status(410).json({ error: { code: 'GONE', message: err.message } });
  if (err instanceof RateLimitedError) {
    res.setHeader('retry-after', String(err.retryAfter));
    return void res.status(429).json({ error: { code: ErrorCode.RATE_LIMITED, message: err.message } });
  }
  if (err instanceof AppError) {
    return void res.status(STATUS_OF[err.code] ?? 500).json({ error: { code: err.code, message: err.message, ...(err.path ? { path: err.path } : {}) } });
  }
  logger.error({ err }, 'answering a review callback failed');
  res.status(500).json({ error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal error' } });
}
