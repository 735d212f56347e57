/**
 * One claimed attempt on the wire: sign, send, measure, and give back the attempt row with
 * its outcome. The dispatcher decides WHEN this runs and how many at once, AttemptClaims
 * what may run, SettlementWriter what the outcome means for the delivery; this file only
 * sends.
 *
 * The attempt row was stored before this runs (the claim), so a dispatcher that dies while
 * the request is out leaves a row that the next dispatcher settles as interrupted.
 */
import type { Logger } from '../log/logger.js';
import type { WebhookAttemptDoc } from '../db/webhooks/index.js';
import type { ClaimedAttempt } from './attempt-claims.js';
import type { WebhookSender } from './http-sender.js';
import { webhookHeaders } from './signing.js';
import { traceDelivery } from '../tracing/index.js';
import { webhookAttempts, webhookAttemptSeconds, webhookOutcomeOf } from '../metrics/metrics.js';

export interface AttemptRunnerDeps {
  sender: WebhookSender;
  logger: Logger;
  now?: () => Date;
}

export class AttemptRunner {
  private readonly now: () => Date;

  constructor(private readonly deps: AttemptRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Sends the claimed attempt; the row with its outcome and finishedAt. Never throws for HTTP trouble. */
  async send(claimed: ClaimedAttempt, signal: AbortSignal): Promise<WebhookAttemptDoc> {
    const { delivery, endpoint, row, secrets } = claimed;
    const traced = { deliveryId: delivery._id, endpointId: endpoint._id, eventType: delivery.eventType, jobId: delivery.jobId, attempt: row.number, url: endpoint.url, trace: delivery.trace };
    // The request carries `traceparent` (not signed: Standard Webhooks signs the id, timestamp and body).
    const outcome = await traceDelivery(traced, (traceHeaders) =>
      this.deps.sender.send({
        url: endpoint.url,
        headers: { ...traceHeaders, ...webhookHeaders({ msgId: delivery.messageId, timestamp: row.at, body: delivery.payload, secrets }) },
        body: delivery.payload,
        signal,
      }),
    );
    const measured = webhookOutcomeOf(outcome.statusCode, outcome.error);
    webhookAttempts.inc({ outcome: measured });
    webhookAttemptSeconds.observe({ outcome: measured }, outcome.durationMs / 1000);
    this.deps.logger.debug(
      { deliveryId: delivery._id, endpointId: endpoint._id, attempt: row.number, statusCode: outcome.statusCode, error: outcome.error },
      'webhook attempt',
    );
    // 410 Gone is read from the status code by the settlement and the endpoint's health.
    const { gone: _gone, ...recorded } = outcome;
    return { ...row, ...recorded, finishedAt: this.now() };
  }
}
