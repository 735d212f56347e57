/** The console's GraphQL documents, built on the client's shared selections. */
import { BATCH_FIELDS, JOB_FIELDS, PROGRESS_FIELDS, USAGE_FIELDS } from '../client/index.js';

export const JOB_ROW = `id kind status executionMode createdAt finishedAt progress { ${PROGRESS_FIELDS} } batch { id }`;

export const JOBS = `query($filter: JobFilter, $after: String) {
  jobs(filter: $filter, first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${JOB_ROW} } } }
}`;

export const TENANT_EVENTS = `subscription { tenantJobEvents { jobId sequence type job { ${JOB_ROW} } } }`;

/** Only what happened (the review queue and schedules pages reload on it). */
export const TENANT_EVENT_TYPES = `subscription { tenantJobEvents { jobId sequence type } }`;

export const REVIEW_QUEUE = `query {
  jobs(filter: { status: [AWAITING_REVIEW] }, first: 20) { totalCount
    edges { node { id kind createdAt steps { name status review { key instructions output requestedAt expiresAt } } } } }
}`;

export const SCHEDULE_FIELDS = 'id name cron timezone status job nextRunAt lastRunAt lastError createdAt recentJobs { id status createdAt }';
export const SCHEDULES = `query {
  schedules { ${SCHEDULE_FIELDS} }
  jobs(filter: { status: [SCHEDULED] }, first: 20) { totalCount edges { node { id kind createdAt runAt } } }
}`;

export const ATTEMPT_FIELDS = 'number at durationMs statusCode error responseBody';
export const DELIVERY_FIELDS = `id messageId eventType status attemptCount nextAttemptAt createdAt deliveredAt attempts { ${ATTEMPT_FIELDS} }`;

export const JOB_PAGE = `query($id: ID!) {
  job(id: $id) { ${JOB_FIELDS} input result metadata idempotencyKey
    webhookDeliveries { ${DELIVERY_FIELDS} endpoint { id url } } }
}`;

export const CANCEL_JOB = `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`;
export const RETRY_JOB = `mutation($id: ID!) { retryJob(id: $id) { ${JOB_FIELDS} } }`;

export const BATCHES = `query($after: String) {
  batches(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${BATCH_FIELDS} } } }
}`;

export const BATCH_PAGE = `query($id: ID!, $after: String) {
  batch(id: $id) { ${BATCH_FIELDS} usage { ${USAGE_FIELDS} }
    jobs(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${JOB_ROW} } } } }
}`;

export const CANCEL_BATCH = `mutation($id: ID!) { cancelBatch(id: $id) { ${BATCH_FIELDS} } }`;

export const JOB_KINDS = 'query { jobKinds { name description steps inputSchema } }';

export const VIEWER = `query { viewer { id name usage { ${USAGE_FIELDS} } } }`;

export const ENDPOINT_FIELDS = 'id url description eventTypes enabled disabledReason createdAt';
export const ENDPOINTS = `query { webhookEndpoints { ${ENDPOINT_FIELDS}
  deliveries(first: 20) { totalCount edges { node { ${DELIVERY_FIELDS} } } } } }`;

export const FILE_FIELDS = 'id name contentType size sha256 createdAt';
export const FILES = `query($after: String) {
  files(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${FILE_FIELDS} } } }
}`;
export const DELETE_FILE = `mutation($id: ID!) { deleteFile(id: $id) { id } }`;
