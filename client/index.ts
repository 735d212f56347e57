/**
 * The public client of the service: typed requests, submit helpers, and live watches
 * of jobs and batches that resume exactly after a dropped connection.
 */
export { createJobsClient, type JobsClient, type JobsClientOptions } from './jobs-client.js';
export { ClientError, isFinalError, type GraphQLErrorShape } from './client-error.js';
export { RECONNECT_DEFAULTS, type LiveHandlers, type ReconnectOptions, type Stoppable } from './live-subscription.js';
export type { BatchWatchHandlers, BatchWatchOptions, JobWatch, JobWatchHandlers, JobWatchOptions } from './watch.js';
export type { UploadOptions } from './upload.js';
export * from './fields.js';
export * from './types.js';
