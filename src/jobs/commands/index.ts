/** Commands: what the API asks of the jobs domain — submit, analyse documents, cancel, retry, idempotency, input limits — and the tenant-scoped service over them. */
export type { JobsDomain } from './domain.js';
export { JobService, MAX_EVENTS_PAGE, MAX_PAGE_SIZE, encodeCursor } from './service.js';
export type { ReviewAnswerInput, Reviewer } from './review-job.js';
export type { CreateScheduleRequest, UpdateScheduleRequest } from './schedule-commands.js';
