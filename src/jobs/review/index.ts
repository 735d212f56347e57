/** Review: human review steps — asking (`ctx.review`), storing and delivering answers, the signed callback links. */
export { ReviewLinkGoneError, ReviewRejectedError } from './review-errors.js';
export { REVIEW_CALLBACK_PATH, ReviewLinks, reviewKey } from './review-links.js';
export { askedReview } from './review-state.js';
export type { ReviewClaims, TokenProblem } from './review-token.js';
export { Reviews } from './reviews.js';
export type { ReviewDeps } from './reviews.js';
