/**
 * One attempt of one leased delivery: check the endpoint, claim the attempt number, sign,
 * send, record, settle, and tell the endpoint's health. The dispatcher decides WHEN this
 * runs and how many at once; this file decides WHAT one attempt does.
 *
 * Order matters for crash safety: the attempt row is claimed before the request goes out,
 * and the outcome is recorded before the delivery is settled. A dispatcher that dies
 * anywhere in between leaves a row that the next dispatcher settles from (or marks as
 * interrupted): nothing is lost, and no attempt number is ever sent twice.
 */
import type { Logger } from '../log/logger.js';
import {
  attemptId,
  type AttemptOutcome,
  type WebhookAttemptDoc,
  type WebhookAttemptsRepository,
} from '../db/webhooks/index.js';
import type { WebhookDeliveriesRepository, WebhookDeliveryDoc, WebhookEndpointDoc, WebhookEndpointsRepository, WebhookQueueDoc, WebhookQueueRepository } from '../db/webhooks/index.js';
import type { EndpointHealth } from './endpoint-health.js';
import { stopDelivery } from './pending-deliveries.js';
import type { WebhookSender } from './http-sender.js';
import type { SecretBox } from './secret-box.js';
import { settleAttempt, type SettlementPolicy } from './settlement.js';
import { webhookHeaders } from './signing.js';
import { traceDelivery } from '../tracing/index.js';
import { webhookAttempts, webhookAttemptSeconds, webhookDeliveriesFailed, webhookOutcomeOf } from '../metrics/metrics.js';

export interface AttemptRunnerDeps {
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
  queue: WebhookQueueRepository;
  attempts: WebhookAttemptsRepository;
  health: EndpointHealth;
  sender: WebhookSender;
  /** Opens the stored (possibly sealed) secrets for signing. */
  secretBox: SecretBox;
  policy: SettlementPolicy;
  /** This dispatcher's id, written on leases and attempt rows. */
  owner: string;
  /**
   * An attempt row without an outcome older than this belongs to a dispatcher that died
   * mid-attempt: one attempt's time limit plus a margin for the database writes.
   */
  orphanAfterMs: number;
  logger: Logger;
  now?: () => Date;
}

const INTERRUPTED: AttemptOutcome = {
  ok: false,
  durationMs: null,
  statusCode: null,
  error: 'interrupted: the dispatcher stopped before it recorded an outcome (the receiver may have got it)',
  responseBody: null,
  retryAfter: null,
};

/**
 * The secrets that sign now, as stored (possibly sealed): the current one, and the
 * previous one within its grace period.
 */
function signingSecrets(endpoint: WebhookEndpointDoc, at: Date): string[] {
  const previous =
    endpoint.previousSecret !== null &&
    endpoint.previousSecretExpiresAt !== null &&
    endpoint.previousSecretExpiresAt.getTime() > at.getTime()
      ? [endpoint.previousSecret]
      : [];
  return [endpoint.secret, ...previous];
}

export class AttemptRunner {
  private readonly now: () => Date;

  constructor(private readonly deps: AttemptRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Runs the next attempt of a delivery whose queue entry this dispatcher has leased.
   * `mayStart` is asked right before the request would go out, so a stopping dispatcher
   * starts nothing new.
   */
  async run(entry: WebhookQueueDoc, signal: AbortSignal, mayStart: () => boolean): Promise<void> {
    const { queue, attempts } = this.deps;
    const delivery = await this.deps.deliveries.findById(entry._id);
    // Settled for good, but the queue entry outlived it (a crash between the two writes).
    if (delivery === null || delivery.status !== 'PENDING') {
      await queue.delete(entry._id);
      return;
    }
    const endpoint = await this.deps.endpoints.findById(delivery.endpointId);
    const blocked = whyNotDeliverable(endpoint);
    if (blocked !== null || endpoint === null) {
      await stopDelivery(this.deps, delivery._id, blocked ?? 'endpoint not found');
      return;
    }
    if (!mayStart()) {
      await queue.release(delivery._id, this.deps.owner, this.now());
      return;
    }

    const number = delivery.attemptCount + 1;
    const at = this.now();
    // Opened before the attempt is claimed: without the right WEBHOOK_SECRET_KEY this throws
    // (the dispatcher logs it, without secret material) and the delivery waits for its lease
    // to run out, keeping its attempt number, instead of failing for an operator's mistake.
    const secrets = signingSecrets(endpoint, at).map((stored) => this.deps.secretBox.open(stored, endpoint._id));
    if (endpoint.previousSecret !== null && endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt.getTime() <= at.getTime()) {
      await this.deps.endpoints.clearExpiredPreviousSecret(endpoint._id, at);
    }
    const row: WebhookAttemptDoc = {
      _id: attemptId(delivery._id, number),
      deliveryId: delivery._id,
      tenantId: delivery.tenantId,
      number,
      at,
      trigger: delivery.manualNext ? 'manual' : 'scheduled',
      owner: this.deps.owner,
      finishedAt: null,
      ok: null,
      durationMs: null,
      statusCode: null,
      error: null,
      responseBody: null,
      retryAfter: null,
    };
    if (!(await attempts.claim(row))) {
      await this.recoverClaimed(delivery, row._id);
      return;
    }

    const traced = { deliveryId: delivery._id, endpointId: endpoint._id, eventType: delivery.eventType, jobId: delivery.jobId, attempt: number, url: endpoint.url, trace: delivery.trace };
    // The request carries `traceparent` (not signed: Standard Webhooks signs the id, timestamp and body).
    const outcome = await traceDelivery(traced, (traceHeaders) =>
      this.deps.sender.send({
        url: endpoint.url,
        headers: { ...traceHeaders, ...webhookHeaders({ msgId: delivery.messageId, timestamp: at, body: delivery.payload, secrets }) },
        body: delivery.payload,
        signal,
      }),
    );
    const measured = webhookOutcomeOf(outcome.statusCode, outcome.error);
    webhookAttempts.inc({ outcome: measured });
    webhookAttemptSeconds.observe({ outcome: measured }, outcome.durationMs / 1000);
    const { gone: _gone, ...recorded } = outcome;
    const finishedAt = this.now();
    await attempts.finish(row._id, finishedAt, recorded);
    await this.settle(delivery._id, { ...row, ...recorded, finishedAt });

    if (outcome.ok) await this.deps.health.recordSuccess(endpoint);
    // An attempt we aborted ourselves (shutdown) says nothing about the endpoint.
    else if (!signal.aborted) await this.deps.health.recordFailure(endpoint, this.now(), outcome.statusCode);
    this.deps.logger.debug(
      { deliveryId: delivery._id, endpointId: endpoint._id, attempt: number, statusCode: outcome.statusCode, error: outcome.error },
      'webhook attempt',
    );
  }

  /**
   * Attempt N was claimed before us: by a dispatcher racing us now (leave it be), or by
   * one that finished it but did not settle, or died mid-attempt (settle on its behalf).
   */
  private async recoverClaimed(delivery: WebhookDeliveryDoc, id: string): Promise<void> {
    let existing = await this.deps.attempts.findById(id);
    if (existing === null) return;
    if (existing.finishedAt === null) {
      const age = this.now().getTime() - existing.at.getTime();
      if (age < this.deps.orphanAfterMs) return; // in flight elsewhere; its owner settles it
      const finishedAt = this.now();
      await this.deps.attempts.finish(id, finishedAt, INTERRUPTED);
      existing = { ...existing, ...INTERRUPTED, finishedAt };
      this.deps.logger.warn({ deliveryId: delivery._id, attempt: existing.number }, 'webhook attempt interrupted; continuing the schedule');
    }
    await this.settle(delivery._id, existing);
  }

  /**
   * Applies a recorded attempt to its delivery, reading the delivery afresh (it may have
   * been stopped or redelivered meanwhile), then queues the next attempt or unqueues it.
   */
  private async settle(deliveryId: string, attempt: WebhookAttemptDoc): Promise<void> {
    const current = await this.deps.deliveries.findById(deliveryId);
    if (current === null || current.attemptCount >= attempt.number) return;
    const changes = settleAttempt(current, attempt, this.deps.policy);
    await this.deps.deliveries.settle(deliveryId, attempt.number, changes);
    if (changes.status === 'FAILED') webhookDeliveriesFailed.inc();
    if (changes.status === 'PENDING' && changes.nextAttemptAt) {
      await this.deps.queue.schedule(deliveryId, current.endpointId, changes.nextAttemptAt);
    } else {
      await this.deps.queue.delete(deliveryId);
    }
  }
}

/** Why a delivery cannot go to this endpoint any more, or null when it can. */
function whyNotDeliverable(endpoint: WebhookEndpointDoc | null): string | null {
  if (endpoint === null || endpoint.deletedAt !== null) return 'endpoint deleted';
  if (!endpoint.enabled) return `endpoint disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}`;
  return null;
}
