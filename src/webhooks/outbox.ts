/**
 * The webhook outbox: when a job or batch finishes, one delivery record per subscribed,
 * enabled endpoint of the tenant, each carrying the finished body. The dispatcher sends
 * from these records, so a crash after this point loses nothing, and the jobs domain
 * calls again (idempotently) for anything whose live record says it is still owed.
 *
 * Repeating a call never duplicates: record ids derive from the endpoint and the event
 * occurrence (job id + event type + finishedAt; a job retried later finishes again, and
 * that is a new occurrence), and an insert of an existing id is a no-op.
 */
import { captureTraceContext } from '../tracing/index.js';
import { conflict, notFound } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { BatchDoc, JobDoc } from '../db/jobs/index.js';
import type { PagePosition } from '../db/page-cursor.js';
import type {
  DeliveryChanges,
  WebhookDeliveriesRepository,
  WebhookDeliveryDoc,
  WebhookEndpointDoc,
  WebhookEndpointsRepository,
  WebhookQueueDoc,
  WebhookQueueRepository,
} from '../db/webhooks/index.js';
import type { JobNotifier, ReviewRequestNotice } from '../jobs/index.js';
import { jobEventType, subscribes, type WebhookEventType } from './event-types.js';
import { batchEventKey, deliveryIdFor, jobEventKey, messageIdFor, reviewEventKey, testEventKey } from './ids.js';
import { batchCounts, buildBatchPayload, buildJobPayload, buildReviewPayload, buildTestPayload } from './payload.js';
import {
  RECOVERY_LIST_LIMIT,
  RECOVERY_PAGE_SIZE,
  RECOVERY_SPACING_MS,
  validateRecoverySince,
  type RecoveryResult,
} from './recovery.js';

export interface OutboxDeps {
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
  /** The live deliveries the dispatcher polls: every PENDING delivery has an entry. */
  queue: WebhookQueueRepository;
  /** WEBHOOK_RETRY_SCHEDULE: entry 0 is the delay before the first attempt. */
  retrySchedule: readonly number[];
  /** WEBHOOK_MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
  /**
   * Called after deliveries were queued, so that a dispatcher in this process can start at
   * once: with the new records (it takes them without reading them back), or with nothing
   * when existing ones were restarted (it polls).
   */
  onRecorded?: (recorded?: readonly WebhookDeliveryDoc[]) => void;
  logger: Logger;
  now?: () => Date;
  /** Deliveries a recovery reads per query (RECOVERY_PAGE_SIZE); for tests. */
  recoveryPageSize?: number;
  /** Deliveries a recovery returns (RECOVERY_LIST_LIMIT, as documented in the schema); for tests. */
  recoveryListLimit?: number;
}

interface EventToRecord {
  tenantId: string;
  type: WebhookEventType;
  eventKey: string;
  payload: string;
  jobId: string | null;
  batchId: string | null;
  manual: boolean;
}


export class WebhookOutbox implements JobNotifier {
  private readonly now: () => Date;

  constructor(private readonly deps: OutboxDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async jobFinished(job: JobDoc): Promise<void> {
    const type = jobEventType(job.status);
    if (type === null) {
      this.deps.logger.warn({ jobId: job._id, status: job.status }, 'jobFinished called for a job that has not finished; ignored');
      return;
    }
    const endpoints = await this.subscribed(job.tenantId, type);
    if (endpoints.length === 0) return;
    // Built once: every endpoint, attempt and redelivery sends these very bytes.
    const body = buildJobPayload(type, job, this.deps.maxPayloadBytes);
    const eventKey = jobEventKey(job._id, type, job.finishedAt);
    await this.record(endpoints, { tenantId: job.tenantId, type, eventKey, payload: body, jobId: job._id, batchId: job.batchId, manual: false });
  }

  async batchFinished(batch: BatchDoc): Promise<void> {
    const type = 'batch.completed';
    const endpoints = await this.subscribed(batch.tenantId, type);
    if (endpoints.length === 0) return;
    const eventKey = batchEventKey(batch._id, type, batch.finishedAt);
    // The counts fixed when the batch settled (the jobs domain computes them once).
    const body = buildBatchPayload(batch, batchCounts(batch.counts ?? {}));
    await this.record(endpoints, { tenantId: batch.tenantId, type, eventKey, payload: body, jobId: null, batchId: batch._id, manual: false });
  }

  /** `job.review_requested`: the same message however often the jobs domain announces one review. */
  async reviewRequested(job: JobDoc, review: ReviewRequestNotice): Promise<void> {
    const type = 'job.review_requested';
    const endpoints = await this.subscribed(job.tenantId, type);
    if (endpoints.length === 0) return;
    const body = buildReviewPayload(job, review, this.deps.maxPayloadBytes);
    const eventKey = reviewEventKey(job._id, review.round, review.step, review.key);
    await this.record(endpoints, { tenantId: job.tenantId, type, eventKey, payload: body, jobId: job._id, batchId: job.batchId, manual: false });
  }

  /** A `webhook.test` message to one endpoint, whatever its eventTypes: someone asked for it. */
  async sendTest(endpoint: WebhookEndpointDoc): Promise<WebhookDeliveryDoc> {
    assertReceiving(endpoint);
    const eventKey = testEventKey();
    const body = buildTestPayload(this.now());
    const [delivery] = await this.record([endpoint], {
      tenantId: endpoint.tenantId,
      type: 'webhook.test',
      eventKey,
      payload: body,
      jobId: null,
      batchId: null,
      manual: true,
    });
    return delivery!;
  }

  /**
   * Sends the same message (same webhook-id, same body) again with a fresh schedule, its
   * first attempt due now. The attempt log goes on numbering where it was.
   */
  async redeliver(delivery: WebhookDeliveryDoc): Promise<WebhookDeliveryDoc> {
    const endpoint = await this.deps.endpoints.findById(delivery.endpointId);
    if (endpoint === null || endpoint.deletedAt !== null || endpoint.tenantId !== delivery.tenantId) {
      throw notFound('webhook endpoint', delivery.endpointId);
    }
    assertReceiving(endpoint);
    let current: WebhookDeliveryDoc | null = delivery;
    // attemptCount guards the write: an attempt settling meanwhile makes us re-read and retry.
    for (let tries = 0; tries < 5 && current !== null; tries += 1) {
      const first = this.firstAttemptAt();
      const restarted = await this.deps.deliveries.updateIfAttemptCount(current._id, current.attemptCount, restartChanges(current, first));
      if (restarted) {
        // Queued after the record says PENDING: a dispatcher never finds an entry ahead of it.
        await this.deps.queue.schedule(queueEntry(current, first));
        this.deps.onRecorded?.();
        return (await this.deps.deliveries.findById(current._id)) ?? current;
      }
      current = await this.deps.deliveries.findById(current._id);
    }
    throw conflict(`webhook delivery ${delivery._id} is changing too fast to redeliver; try again`);
  }

  /**
   * Recovery after an outage: redelivers, as `redeliver` does, every FAILED delivery of
   * the endpoint created at or after `since`, oldest first and due 1 ms apart so that they
   * are taken in that order. Only FAILED deliveries are touched, so a message that is
   * already PENDING again (an earlier recovery) is skipped: see recovery.ts. The caller has
   * checked that the endpoint is the tenant's.
   */
  async recover(endpoint: WebhookEndpointDoc, since: Date): Promise<RecoveryResult> {
    validateRecoverySince(since, this.now());
    assertReceiving(endpoint);
    const base = this.firstAttemptAt().getTime();
    const listed: WebhookDeliveryDoc[] = [];
    let count = 0;
    let scanned = 0;
    let after: PagePosition | undefined;
    const pageSize = this.deps.recoveryPageSize ?? RECOVERY_PAGE_SIZE;
    const listLimit = this.deps.recoveryListLimit ?? RECOVERY_LIST_LIMIT;
    for (;;) {
      const page = await this.deps.deliveries.listFailedSince(endpoint.tenantId, endpoint._id, since, after, pageSize);
      let restartedHere = 0;
      // One write after another: a dispatcher may start the first ones meanwhile, in order;
      // and on FerretDB (SQLite underneath) parallel writes are slower, not faster.
      for (const delivery of page) {
        const restarted = await this.restartFailed(delivery, new Date(base + scanned * RECOVERY_SPACING_MS));
        scanned += 1;
        if (restarted === null) continue;
        count += 1;
        restartedHere += 1;
        if (listed.length < listLimit) listed.push(restarted);
      }
      if (restartedHere > 0) this.deps.onRecorded?.();
      const last = page[page.length - 1];
      if (last === undefined || page.length < pageSize) break;
      after = { createdAt: last.createdAt, id: last._id };
    }
    if (count > 0) {
      this.deps.logger.info({ endpointId: endpoint._id, since, count }, 'webhook deliveries recovered');
    }
    return { endpoint, count, deliveries: listed };
  }

  /** Restarts a delivery if it is still FAILED; its state after that, or null when skipped. */
  private async restartFailed(delivery: WebhookDeliveryDoc, first: Date): Promise<WebhookDeliveryDoc | null> {
    let current: WebhookDeliveryDoc | null = delivery;
    // A late attempt (in flight when the delivery was failed) may settle meanwhile and move
    // attemptCount on: re-read and try again while it is still FAILED.
    for (let tries = 0; tries < 3 && current !== null && current.status === 'FAILED'; tries += 1) {
      const changes = restartChanges(current, first);
      if (await this.deps.deliveries.updateIfFailed(current._id, current.attemptCount, changes)) {
        await this.deps.queue.schedule(queueEntry(current, first));
        return { ...current, ...changes, updatedAt: new Date() };
      }
      current = await this.deps.deliveries.findById(current._id);
    }
    return null;
  }

  private async subscribed(tenantId: string, type: WebhookEventType): Promise<WebhookEndpointDoc[]> {
    const endpoints = await this.deps.endpoints.listEnabled(tenantId);
    return endpoints.filter((e) => subscribes(e.eventTypes, type));
  }

  private firstAttemptAt(): Date {
    return new Date(this.now().getTime() + (this.deps.retrySchedule[0] ?? 0));
  }

  /** One delivery per endpoint; an existing one (a repeated call) is kept as it is. */
  private async record(endpoints: readonly WebhookEndpointDoc[], event: EventToRecord): Promise<WebhookDeliveryDoc[]> {
    const now = this.now();
    const first = this.firstAttemptAt();
    // The span that finished the job (or served the request) is the delivery's parent.
    const trace = captureTraceContext();
    const docs = endpoints.map(
      (endpoint): WebhookDeliveryDoc => ({
        _id: deliveryIdFor(endpoint._id, event.eventKey),
        tenantId: event.tenantId,
        endpointId: endpoint._id,
        messageId: messageIdFor(event.tenantId, event.eventKey),
        eventType: event.type,
        eventKey: event.eventKey,
        jobId: event.jobId,
        batchId: event.batchId,
        payload: event.payload,
        status: 'PENDING',
        attemptCount: 0,
        scheduleStart: 0,
        nextAttemptAt: first,
        manualNext: event.manual,
        failureReason: null,
        createdAt: now,
        updatedAt: now,
        deliveredAt: null,
        ...(trace ? { trace } : {}),
      }),
    );
    const queued = await Promise.all(docs.map((doc) => this.insertAndQueue(doc)));
    const recorded = queued.flatMap((doc) => (doc ? [doc] : []));
    if (recorded.length > 0) this.deps.onRecorded?.(recorded);
    return docs;
  }

  /**
   * The record first, then its queue entry: a crash between the two leaves a PENDING
   * record without an entry, which the repeated call (the jobs domain repeats it until it
   * succeeds) queues. The record when this call queued it, else null.
   */
  private async insertAndQueue(doc: WebhookDeliveryDoc): Promise<WebhookDeliveryDoc | null> {
    if (!(await this.deps.deliveries.insertIfAbsent(doc))) {
      const existing = await this.deps.deliveries.findById(doc._id);
      if (existing?.status !== 'PENDING' || existing.attemptCount > 0) return null;
      doc = existing;
    }
    return (await this.deps.queue.insertIfAbsent(queueEntry(doc, doc.nextAttemptAt ?? this.now()))) ? doc : null;
  }
}

/** The queue entry of a delivery owed an attempt at `dueAt`. */
function queueEntry(delivery: WebhookDeliveryDoc, dueAt: Date): WebhookQueueDoc {
  return { _id: delivery._id, endpointId: delivery.endpointId, tenantId: delivery.tenantId, dueAt };
}

/** A fresh schedule for the same message, its first attempt at `first`; attempts go on numbering. */
function restartChanges(delivery: WebhookDeliveryDoc, first: Date): DeliveryChanges {
  return {
    status: 'PENDING',
    scheduleStart: delivery.attemptCount,
    nextAttemptAt: first,
    manualNext: true,
    failureReason: null,
    deliveredAt: null,
  };
}

/** A disabled endpoint receives nothing, manual sends included: re-enable it first. */
function assertReceiving(endpoint: WebhookEndpointDoc): void {
  if (!endpoint.enabled) {
    throw conflict(
      `webhook endpoint ${endpoint._id} is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}; enable it with updateWebhookEndpoint first`,
    );
  }
}
