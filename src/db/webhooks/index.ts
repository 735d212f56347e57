/** The webhooks' collections: endpoints, deliveries, attempts, and the queue of deliveries still owed an attempt. */
export { WebhookAttemptsRepository, attemptId } from './attempts.repository.js';
export type { AttemptOutcome, WebhookAttemptDoc } from './attempts.repository.js';
export { WebhookDeliveriesRepository } from './deliveries.repository.js';
export type { DeliveryChanges, WebhookDeliveryDoc, WebhookDeliveryStatusValue } from './deliveries.repository.js';
export { WebhookEndpointsRepository } from './endpoints.repository.js';
export type { EndpointChanges, WebhookEndpointDoc } from './endpoints.repository.js';
export { WebhookQueueRepository } from './queue.repository.js';
export type { DueFilter, QueueWrite, WebhookQueueDoc } from './queue.repository.js';
