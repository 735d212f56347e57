/**
 * Turning due queue entries into attempts this dispatcher owns: read each delivery (unless
 * the outbox handed it over), check its endpoint, and claim the next attempt numbers of the
 * whole batch in one statement. Each claim is still the insert of one attempt row under a
 * unique `_id` (`<deliveryId>:<n>`): on MongoDB and FerretDB alike exactly one insert wins,
 * so no attempt number is ever sent twice, however many dispatchers race for it.
 *
 * What is not claimable is dealt with here: a delivery settled already (its entry is a
 * leftover: dropped), one not due yet (its entry is realigned), one whose endpoint is gone
 * or disabled (failed for good), and one whose attempt was claimed before: in flight
 * elsewhere (left alone until its owner would have given up), or left by a dispatcher that
 * died (recorded as interrupted, and the schedule goes on).
 */
import type { Logger } from '../log/logger.js';
import {
  attemptId,
  type AttemptOutcome,
  type WebhookAttemptDoc,
  type WebhookAttemptsRepository,
  type WebhookDeliveriesRepository,
  type WebhookDeliveryDoc,
  type WebhookEndpointDoc,
  type WebhookEndpointsRepository,
  type WebhookQueueDoc,
  type WebhookQueueRepository,
} from '../db/webhooks/index.js';
import { stopDelivery } from './pending-deliveries.js';
import type { SecretBox } from './secret-box.js';
import type { SettlementWriter } from './settlement-writer.js';

export interface AttemptClaimsDeps {
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
  queue: WebhookQueueRepository;
  attempts: WebhookAttemptsRepository;
  writer: SettlementWriter;
  /** Opens the stored (possibly sealed) secrets for signing. */
  secretBox: SecretBox;
  /** This dispatcher's id, written on attempt rows. */
  owner: string;
  /**
   * An attempt row without an outcome older than this belongs to a dispatcher that died
   * mid-attempt: one attempt's time limit plus a margin for the database writes.
   */
  orphanAfterMs: number;
  logger: Logger;
  now?: () => Date;
}

/** A due delivery to claim; `delivery` when the outbox handed the record over (no read needed). */
export interface ClaimCandidate {
  entry: WebhookQueueDoc;
  delivery?: WebhookDeliveryDoc;
}

/** An attempt this dispatcher owns: its row is stored, the request is to be sent now. */
export interface ClaimedAttempt {
  delivery: WebhookDeliveryDoc;
  /** Shared by the batch's attempts to this endpoint; health updates keep it current. */
  endpoint: WebhookEndpointDoc;
  row: WebhookAttemptDoc;
  /** The signing secrets, opened. */
  secrets: string[];
}

export interface ClaimBatch {
  claimed: ClaimedAttempt[];
  /** Deliveries to leave alone until the given time (claimed elsewhere, or unsignable now). */
  deferred: Map<string, Date>;
}

const INTERRUPTED: AttemptOutcome = {
  ok: false,
  durationMs: null,
  statusCode: null,
  error: 'interrupted: the dispatcher stopped before it recorded an outcome (the receiver may have got it)',
  responseBody: null,
  retryAfter: null,
};

export class AttemptClaims {
  private readonly now: () => Date;

  constructor(private readonly deps: AttemptClaimsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Claims the next attempt of each candidate that can have one. `mayStart` is asked right
   * before the claims are written, so a stopping dispatcher claims nothing new.
   */
  async claim(candidates: readonly ClaimCandidate[], mayStart: () => boolean): Promise<ClaimBatch> {
    const deferred = new Map<string, Date>();
    const read = await Promise.all(candidates.map((c) => (c.delivery ? c.delivery : this.deps.deliveries.findById(c.entry._id))));
    const now = this.now();
    const due: WebhookDeliveryDoc[] = [];
    for (const [i, delivery] of read.entries()) {
      const entry = candidates[i]!.entry;
      if (delivery === null || delivery.status !== 'PENDING') {
        // Settled for good, but the queue entry outlived it (a crash between the two writes).
        await this.deps.queue.delete(entry._id);
      } else if (delivery.nextAttemptAt !== null && delivery.nextAttemptAt.getTime() > now.getTime()) {
        // The record is ahead of its entry (a crash between settling and rescheduling).
        await this.deps.queue.schedule({ _id: delivery._id, endpointId: delivery.endpointId, tenantId: delivery.tenantId, dueAt: delivery.nextAttemptAt });
      } else {
        due.push(delivery);
      }
    }

    const endpoints = await this.endpointsOf(due);
    const rows: ClaimedAttempt[] = [];
    for (const delivery of due) {
      const endpoint = endpoints.get(delivery.endpointId) ?? null;
      const blocked = whyNotDeliverable(endpoint);
      if (blocked !== null || endpoint === null) {
        await stopDelivery(this.deps, delivery._id, blocked ?? 'endpoint not found');
        continue;
      }
      const secrets = this.secretsOf(endpoint, now);
      if (secrets === null) {
        // Without the right WEBHOOK_SECRET_KEY nothing can be signed: the delivery keeps its
        // attempt number and waits, instead of failing for an operator's mistake.
        deferred.set(delivery._id, new Date(now.getTime() + this.deps.orphanAfterMs));
        continue;
      }
      rows.push({ delivery, endpoint, secrets, row: this.rowFor(delivery, now) });
    }
    await this.clearExpiredSecrets(endpoints, now);
    if (rows.length === 0 || !mayStart()) return { claimed: [], deferred };

    const won = await this.deps.attempts.claimEach(rows.map((r) => r.row));
    const claimed = rows.filter((_, i) => won[i]);
    // From here on the batch's claims are ours: whatever happens to the others, they go out.
    for (const [i, attempt] of rows.entries()) {
      if (won[i]) continue;
      try {
        const until = await this.recoverClaimed(attempt.delivery, attempt.row._id);
        if (until) deferred.set(attempt.delivery._id, until);
      } catch (err) {
        this.deps.logger.warn({ err, deliveryId: attempt.delivery._id }, 'webhook attempt claimed before could not be looked at; the next poll tries again');
      }
    }
    return { claimed, deferred };
  }

  /** Each endpoint of the batch, read once. */
  private async endpointsOf(deliveries: readonly WebhookDeliveryDoc[]): Promise<Map<string, WebhookEndpointDoc>> {
    const ids = [...new Set(deliveries.map((d) => d.endpointId))];
    const found = await Promise.all(ids.map((id) => this.deps.endpoints.findById(id)));
    return new Map(found.flatMap((e) => (e ? [[e._id, e] as const] : [])));
  }

  /** The secrets that sign now, opened; null (logged, without secret material) when they cannot be. */
  private secretsOf(endpoint: WebhookEndpointDoc, at: Date): string[] | null {
    try {
      return signingSecrets(endpoint, at).map((stored) => this.deps.secretBox.open(stored, endpoint._id));
    } catch (err) {
      this.deps.logger.error({ err, endpointId: endpoint._id }, 'webhook endpoint secret cannot be opened (is WEBHOOK_SECRET_KEY the one it was sealed with?)');
      return null;
    }
  }

  /** A previous secret whose grace period is over must not stay stored. */
  private async clearExpiredSecrets(endpoints: ReadonlyMap<string, WebhookEndpointDoc>, at: Date): Promise<void> {
    for (const endpoint of endpoints.values()) {
      if (endpoint.previousSecret !== null && endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt.getTime() <= at.getTime()) {
        await this.deps.endpoints.clearExpiredPreviousSecret(endpoint._id, at);
      }
    }
  }

  private rowFor(delivery: WebhookDeliveryDoc, at: Date): WebhookAttemptDoc {
    const number = delivery.attemptCount + 1;
    return {
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
  }

  /**
   * Attempt N was claimed before us: by a dispatcher that has it in flight now (leave it
   * be until it would have given up: the time returned), or by one that finished it but
   * did not settle, or died mid-attempt (settle on its behalf).
   */
  private async recoverClaimed(delivery: WebhookDeliveryDoc, id: string): Promise<Date | null> {
    const existing = await this.deps.attempts.findById(id);
    if (existing === null) return null;
    if (existing.finishedAt === null) {
      const orphanAt = existing.at.getTime() + this.deps.orphanAfterMs;
      if (this.now().getTime() < orphanAt) return new Date(orphanAt);
      const interrupted = { ...existing, ...INTERRUPTED, finishedAt: this.now() };
      this.deps.logger.warn({ deliveryId: delivery._id, attempt: existing.number }, 'webhook attempt interrupted; continuing the schedule');
      await this.deps.writer.record(interrupted, delivery);
      return null;
    }
    await this.deps.writer.record(existing, delivery, false);
    return null;
  }
}

/**
 * The secrets that sign now, as stored (possibly sealed): the current one, and the
 * previous one within its grace period.
 */
function signingSecrets(endpoint: WebhookEndpointDoc, at: Date): string[] {
  const previous =
    endpoint.previousSecret !== null && endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt.getTime() > at.getTime()
      ? [endpoint.previousSecret]
      : [];
  return [endpoint.secret, ...previous];
}

/** Why a delivery cannot go to this endpoint any more, or null when it can. */
function whyNotDeliverable(endpoint: WebhookEndpointDoc | null): string | null {
  if (endpoint === null || endpoint.deletedAt !== null) return 'endpoint deleted';
  if (!endpoint.enabled) return `endpoint disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}`;
  return null;
}
