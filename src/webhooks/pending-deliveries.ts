/**
 * Stopping deliveries that are still owed attempts (their endpoint was deleted, disabled
 * or answered 410): the record says FAILED with the reason, then its queue entry goes.
 * In that order, so a dispatcher that finds an entry always finds the record's status
 * current or newer; and only the queue (live work) is searched, never the history.
 */
import type { WebhookDeliveriesRepository, WebhookQueueRepository } from '../db/webhooks/index.js';
import { webhookDeliveriesFailed } from '../metrics/metrics.js';

export interface PendingDeliveriesDeps {
  deliveries: WebhookDeliveriesRepository;
  queue: WebhookQueueRepository;
}

/** Fails one delivery if it is still pending and unqueues it. */
export async function stopDelivery(deps: PendingDeliveriesDeps, deliveryId: string, reason: string): Promise<boolean> {
  const failed = await deps.deliveries.failIfPending(deliveryId, reason);
  if (failed) webhookDeliveriesFailed.inc();
  await deps.queue.delete(deliveryId);
  return failed;
}

/** Fails every pending delivery of an endpoint; how many were still pending. */
export async function stopEndpointDeliveries(deps: PendingDeliveriesDeps, endpointId: string, reason: string): Promise<number> {
  let count = 0;
  // One after another: FerretDB runs statements one at a time anyway.
  for (const entry of await deps.queue.listForEndpoint(endpointId)) {
    if (await stopDelivery(deps, entry._id, reason)) count += 1;
  }
  return count;
}
