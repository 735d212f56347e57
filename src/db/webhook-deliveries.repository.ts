/**
 * The `webhook_deliveries` collection: one webhook message to one endpoint, its body
 * stored as the exact text that is signed and sent, and where its delivery stands.
 *
 * The attempt rows (webhook-attempts.repository) are the truth about what was sent; the
 * counters here are derived from them by whoever settles an attempt, with writes that
 * only move `attemptCount` forward, so a lost or repeated write heals on the next settle.
 *
 * `dueAt` is when a dispatcher may take the delivery: the next attempt's time, or, while
 * a dispatcher holds it, the end of that lease (so a dispatcher that dies mid-attempt
 * releases it by simply not coming back). One index serves the dispatcher's poll.
 */
import type { Collection, Db, Filter } from 'mongodb';
import { insertUnlessTaken } from './duplicate-key.js';
import type { WebhookDeliveryStatusValue } from '../errors/index.js';
import { afterFilter, type Page, type PagePosition } from './page-cursor.js';

export type { WebhookDeliveryStatusValue };

export interface WebhookDeliveryDoc {
  /** Derived from the endpoint and the event occurrence (see webhooks/ids). */
  _id: string;
  tenantId: string;
  endpointId: string;
  /** The webhook-id header: the same on every attempt and redelivery. */
  messageId: string;
  eventType: string;
  /** The event occurrence, e.g. `job:<id>:job.succeeded:<finishedAt ms>`. */
  eventKey: string;
  jobId: string | null;
  batchId: string | null;
  /** The exact JSON text that is signed and sent. */
  payload: string;
  status: WebhookDeliveryStatusValue;
  /** Attempts settled so far, over every schedule. */
  attemptCount: number;
  /** attemptCount when the current schedule began: 0, or the count at a redelivery. */
  scheduleStart: number;
  /** When the next attempt is due; null unless PENDING. */
  nextAttemptAt: Date | null;
  /** When a dispatcher may take it: nextAttemptAt, or the end of a dispatcher's lease. */
  dueAt: Date | null;
  leaseOwner: string | null;
  /** The next attempt was asked for by a person (a test or a redelivery). */
  manualNext: boolean;
  /** Why it FAILED. */
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

/** Fields that settling an attempt or restarting a delivery may change. */
export type DeliveryChanges = Partial<
  Pick<
    WebhookDeliveryDoc,
    'status' | 'attemptCount' | 'scheduleStart' | 'nextAttemptAt' | 'dueAt' | 'leaseOwner' | 'manualNext' | 'failureReason' | 'deliveredAt'
  >
>;

export interface DeliveryListFilter {
  endpointId: string;
  status?: WebhookDeliveryStatusValue;
}

export class WebhookDeliveriesRepository {
  readonly collection: Collection<WebhookDeliveryDoc>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookDeliveryDoc>('webhook_deliveries');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ status: 1, dueAt: 1 });
    await this.collection.createIndex({ endpointId: 1, createdAt: -1, _id: -1 });
    await this.collection.createIndex({ jobId: 1, createdAt: -1 });
  }

  /** Inserts unless a delivery with this `_id` exists; true when this call inserted it. */
  insertIfAbsent(doc: WebhookDeliveryDoc): Promise<boolean> {
    return insertUnlessTaken(this.collection, doc);
  }

  findById(id: string): Promise<WebhookDeliveryDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  findForTenant(tenantId: string, id: string): Promise<WebhookDeliveryDoc | null> {
    return this.collection.findOne({ _id: id, tenantId });
  }

  /** An endpoint's deliveries, newest first. */
  async listForEndpoint(
    tenantId: string,
    filter: DeliveryListFilter,
    first: number,
    after?: PagePosition,
  ): Promise<Page<WebhookDeliveryDoc>> {
    const base: Filter<WebhookDeliveryDoc> = { tenantId, endpointId: filter.endpointId };
    if (filter.status) base.status = filter.status;
    const query: Filter<WebhookDeliveryDoc> = after ? { $and: [base, afterFilter(after) as Filter<WebhookDeliveryDoc>] } : base;
    const [items, totalCount] = await Promise.all([
      first === 0 ? [] : this.collection.find(query).sort({ createdAt: -1, _id: -1 }).limit(first + 1).toArray(),
      this.collection.countDocuments(base),
    ]);
    return { items: items.slice(0, first), hasNextPage: items.length > first, totalCount };
  }

  /** A job's deliveries, newest first (one per endpoint and time it finished). */
  listForJob(tenantId: string, jobId: string, limit: number): Promise<WebhookDeliveryDoc[]> {
    return this.collection.find({ tenantId, jobId }).sort({ createdAt: -1, _id: -1 }).limit(limit).toArray();
  }

  /**
   * Deliveries a dispatcher may take now, oldest due first, leaving out the endpoints it
   * already has enough attempts in flight for: otherwise one dead endpoint's backlog would
   * fill every page of the poll and starve the others.
   */
  findDue(now: Date, skipEndpoints: readonly string[], limit: number): Promise<WebhookDeliveryDoc[]> {
    const filter: Filter<WebhookDeliveryDoc> = { status: 'PENDING', dueAt: { $lte: now } };
    if (skipEndpoints.length > 0) filter.endpointId = { $nin: [...skipEndpoints] };
    return this.collection.find(filter).sort({ dueAt: 1 }).limit(limit).toArray();
  }

  /**
   * Takes a due delivery until `until`; null when it is not due (any more). Exclusive on
   * MongoDB; on FerretDB two callers may both get it, which the attempt claim absorbs.
   */
  lease(id: string, now: Date, until: Date, owner: string): Promise<WebhookDeliveryDoc | null> {
    return this.collection.findOneAndUpdate(
      { _id: id, status: 'PENDING', dueAt: { $lte: now } },
      { $set: { dueAt: until, leaseOwner: owner, updatedAt: now } },
      { returnDocument: 'after' },
    );
  }

  /** Gives a lease back without an attempt (the dispatcher is stopping): due again at once. */
  async release(id: string, owner: string, now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id, status: 'PENDING', leaseOwner: owner },
      { $set: { dueAt: now, leaseOwner: null, updatedAt: now } },
    );
  }

  /**
   * Applies the outcome of attempt `number` unless a later or equal attempt was applied
   * already: attemptCount only moves forward. True when this call applied it.
   */
  async settle(id: string, number: number, changes: DeliveryChanges): Promise<boolean> {
    const res = await this.collection.updateOne(
      { _id: id, attemptCount: { $lt: number } },
      { $set: { ...changes, attemptCount: number, updatedAt: new Date() } },
    );
    return res.matchedCount === 1;
  }

  /** Changes a delivery whose attemptCount is still `attemptCount` (optimistic check). */
  async updateIfAttemptCount(id: string, attemptCount: number, changes: DeliveryChanges): Promise<boolean> {
    const res = await this.collection.updateOne({ _id: id, attemptCount }, { $set: { ...changes, updatedAt: new Date() } });
    return res.matchedCount === 1;
  }

  /**
   * Up to `limit` of an endpoint's FAILED deliveries created at or after `since`, oldest
   * first (createdAt, then _id), strictly after `after` in that order when given: the
   * pages of a recovery. Served by the { endpointId, createdAt, _id } index, read backwards.
   */
  listFailedSince(
    tenantId: string,
    endpointId: string,
    since: Date,
    after: PagePosition | undefined,
    limit: number,
  ): Promise<WebhookDeliveryDoc[]> {
    const base: Filter<WebhookDeliveryDoc> = { tenantId, endpointId, status: 'FAILED', createdAt: { $gte: since } };
    const query: Filter<WebhookDeliveryDoc> = after
      ? {
          $and: [
            base,
            { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.id } }] },
          ],
        }
      : base;
    return this.collection.find(query).sort({ createdAt: 1, _id: 1 }).limit(limit).toArray();
  }

  /**
   * Changes a delivery that is still FAILED with this attemptCount (a recovery restarting
   * it); false when it is not (any more): restarted by someone else, or settled meanwhile.
   */
  async updateIfFailed(id: string, attemptCount: number, changes: DeliveryChanges): Promise<boolean> {
    const res = await this.collection.updateOne(
      { _id: id, status: 'FAILED', attemptCount },
      { $set: { ...changes, updatedAt: new Date() } },
    );
    return res.matchedCount === 1;
  }

  /** Fails one delivery if it is still pending (its endpoint is gone or disabled). */
  async failIfPending(id: string, reason: string): Promise<void> {
    await this.collection.updateOne({ _id: id, status: 'PENDING' }, { $set: failed(reason) });
  }

  /** Fails every pending delivery of an endpoint (deleted, disabled, or answered 410). */
  async failPendingForEndpoint(endpointId: string, reason: string): Promise<number> {
    const res = await this.collection.updateMany({ endpointId, status: 'PENDING' }, { $set: failed(reason) });
    return res.modifiedCount;
  }
}

function failed(reason: string): DeliveryChanges & { updatedAt: Date } {
  return { status: 'FAILED', failureReason: reason, nextAttemptAt: null, dueAt: null, leaseOwner: null, updatedAt: new Date() };
}
