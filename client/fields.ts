/**
 * The default selections of the client's queries and subscriptions, matching types.ts.
 * Exported so that a frontend can build its own queries around the same shapes.
 */
export const PROGRESS_FIELDS = 'completed total percent message';
export const USAGE_FIELDS = 'calls promptTokens completionTokens totalTokens costUsd realtimeCostUsd savedUsd';
export const ERROR_FIELDS = 'code message retryable step at';

/** A step's review without its output (which may be large: ask for `review { output }` where it is shown). */
export const REVIEW_FIELDS = 'key instructions requestedAt expiresAt onTimeout answer { decision via by at comment }';

export const JOB_FIELDS = `id kind status attempt maxAttempts priority createdAt startedAt finishedAt runAt executionMode batchFallback
  progress { ${PROGRESS_FIELDS} }
  steps { index name status message attempts startedAt finishedAt durationMs progress { ${PROGRESS_FIELDS} } error { ${ERROR_FIELDS} } usage { ${USAGE_FIELDS} } review { ${REVIEW_FIELDS} } }
  error { ${ERROR_FIELDS} }
  usage { ${USAGE_FIELDS} }
  batch { id }`;

export const JOB_EVENT_FIELDS = `id jobId sequence type at message
  step { index name status message progress { ${PROGRESS_FIELDS} } }
  progress { ${PROGRESS_FIELDS} }
  job { ${JOB_FIELDS} }`;

export const BATCH_FIELDS = `id status total queued running succeeded failed cancelled createdAt finishedAt
  progress { ${PROGRESS_FIELDS} }`;
