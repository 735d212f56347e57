/**
 * The webhook event types of the contract, and which job status raises which. An
 * endpoint subscribes to a subset (`eventTypes`), or to all of them when it names none.
 */
import type { JobStatusValue } from '../db/jobs/index.js';

export const WEBHOOK_EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.cancelled', 'job.review_requested', 'batch.completed', 'webhook.test'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** The event a finished job raises; null for a status that is not terminal. */
export function jobEventType(status: JobStatusValue): WebhookEventType | null {
  switch (status) {
    case 'SUCCEEDED':
      return 'job.succeeded';
    case 'FAILED':
      return 'job.failed';
    case 'CANCELLED':
      return 'job.cancelled';
    default:
      return null;
  }
}

/**
 * Whether an endpoint's subscription covers an event. `null` means "all": stored as such
 * (rather than as today's full list) so that an endpoint that asked for everything also
 * gets event types added later.
 */
export function subscribes(eventTypes: readonly string[] | null, type: WebhookEventType): boolean {
  return eventTypes === null || eventTypes.includes(type);
}
