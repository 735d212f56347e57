/**
 * Stored webhook documents → GraphQL objects. The ids that field resolvers need
 * (endpointId, jobId) ride along as plain properties that the schema does not expose;
 * secrets never do.
 */
import {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from '../schema/index.js';
import type { WebhookAttemptDoc, WebhookDeliveryDoc, WebhookEndpointDoc } from '../db/webhooks/index.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/index.js';

export type WebhookDeliveryObject = WebhookDelivery & { endpointId: string; jobId: string | null };

export function toWebhookEndpoint(doc: WebhookEndpointDoc): WebhookEndpoint {
  return {
    id: doc._id,
    url: doc.url,
    description: doc.description,
    // "All" is stored as null so that it keeps meaning all; shown as today's full list.
    eventTypes: doc.eventTypes ?? [...WEBHOOK_EVENT_TYPES],
    enabled: doc.enabled,
    disabledReason: doc.disabledReason,
    createdAt: doc.createdAt,
  };
}

export function toWebhookDelivery(doc: WebhookDeliveryDoc): WebhookDeliveryObject {
  return {
    id: doc._id,
    endpointId: doc.endpointId,
    jobId: doc.jobId,
    messageId: doc.messageId,
    eventType: doc.eventType,
    status: doc.status,
    payload: JSON.parse(doc.payload) as unknown,
    // Resolved by WebhookDelivery.attempts's field resolver, from the attempt rows.
    attempts: undefined as never,
    attemptCount: doc.attemptCount,
    nextAttemptAt: doc.status === 'PENDING' ? doc.nextAttemptAt : null,
    createdAt: doc.createdAt,
    deliveredAt: doc.deliveredAt,
  };
}

const NO_OUTCOME = 'no outcome recorded yet: the attempt is in flight, or its dispatcher stopped';

export function toWebhookAttempt(doc: WebhookAttemptDoc): WebhookAttempt {
  return {
    number: doc.number,
    at: doc.at,
    durationMs: doc.durationMs ?? 0,
    statusCode: doc.statusCode,
    error: doc.finishedAt === null ? NO_OUTCOME : doc.error,
    responseBody: doc.responseBody,
  };
}
