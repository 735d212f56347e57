/** Live: the per-process event feed and its subscribers, one job's gapless event stream, live output, and the views behind the subscriptions. */
export { EventFeed } from './event-feed.js';
export { JobOutputFeed } from './output-feed.js';
export type { JobOutputChunk } from './output-feed.js';
export { LiveJobs } from './views.js';
export { isPositionedStream } from './positioned-stream.js';
export type { PositionedStream } from './positioned-stream.js';
