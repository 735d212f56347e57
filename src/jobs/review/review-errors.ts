/** Errors of reviews that steer what happens next. */

/** A review's answer was REJECT: the job fails with REVIEW_REJECTED, not retried. */
export class ReviewRejectedError extends Error {
  override readonly name = 'ReviewRejectedError';
}

/** A callback URL whose review is over (it expired, or the job moved on to another round): HTTP 410. */
export class ReviewLinkGoneError extends Error {
  override readonly name = 'ReviewLinkGoneError';
}
