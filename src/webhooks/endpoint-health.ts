/**
 * Whether an endpoint keeps receiving: a success ends a failing streak; a 410 Gone, or a
 * streak of failures longer than WEBHOOK_DISABLE_AFTER with no success in between,
 * disables it with a reason a person can read, and fails what was still pending for it
 * (a disabled endpoint receives nothing, so leaving those PENDING would be a lie).
 */
import type { Logger } from '../log/logger.js';
import { webhookEndpointsDisabled } from '../metrics/metrics.js';
import type { WebhookDeliveriesRepository, WebhookEndpointDoc, WebhookEndpointsRepository, WebhookQueueRepository } from '../db/webhooks/index.js';
import { stopEndpointDeliveries } from './pending-deliveries.js';

export interface EndpointHealthDeps {
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
  queue: WebhookQueueRepository;
  /** WEBHOOK_DISABLE_AFTER in ms. */
  disableAfterMs: number;
  logger: Logger;
}

export class EndpointHealth {
  constructor(private readonly deps: EndpointHealthDeps) {}

  /**
   * After a successful attempt. `endpoint` is the record as the dispatcher read it for a
   * batch of attempts; what is written here is written on it too, so that the batch's later
   * outcomes see the change.
   */
  async recordSuccess(endpoint: WebhookEndpointDoc): Promise<void> {
    // Only a state change is written (see the repository on FerretDB's whole-document writes).
    if (endpoint.failingSince === null) return;
    await this.deps.endpoints.markHealthy(endpoint._id);
    endpoint.failingSince = null;
  }

  /** After a failed attempt (statusCode null when no response came); `endpoint` as for recordSuccess. */
  async recordFailure(endpoint: WebhookEndpointDoc, at: Date, statusCode: number | null): Promise<void> {
    if (statusCode === 410) {
      await this.disable(endpoint, `the endpoint answered 410 Gone at ${at.toISOString()}`);
      return;
    }
    const since = endpoint.failingSince ?? at;
    if (endpoint.failingSince === null) {
      await this.deps.endpoints.markFailing(endpoint._id, at);
      endpoint.failingSince = at;
    }
    if (at.getTime() - since.getTime() >= this.deps.disableAfterMs) {
      await this.disable(
        endpoint,
        `every delivery failed since ${since.toISOString()} (longer than ${formatMs(this.deps.disableAfterMs)}); re-enable it once it accepts deliveries again`,
      );
    }
  }

  async disable(endpoint: WebhookEndpointDoc, reason: string): Promise<void> {
    const changed = await this.deps.endpoints.disable(endpoint._id, reason);
    const failed = await stopEndpointDeliveries(this.deps, endpoint._id, `endpoint disabled: ${reason}`);
    if (changed) {
      webhookEndpointsDisabled.inc();
      this.deps.logger.warn({ endpointId: endpoint._id, tenantId: endpoint.tenantId, reason, failed }, 'webhook endpoint disabled');
    }
  }
}

function formatMs(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
