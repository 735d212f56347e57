/**
 * The `webhook_deliveries` collection: one webhook message to one endpoint, its body
 * stored as the exact text that is signed and sent, and where its delivery stands.
 *
 * The attempt rows (webhook-attempts.repository) are the truth about what was sent; the
 * counters here are derived from them by whoever settles an attempt, which reads the
 * record first and only moves `attemptCount` forward, so a lost or repeated write heals
 * on the next settle.
 *
 * This collection keeps every delivery (history, read by `_id` and by the GraphQL lists);
 * the dispatcher never polls it. What is still owed an attempt is also queued in
 * `webhook_queue` (webhook-queue.repository), which holds only live work. The writes of
 * the delivery path go by exact `_id` (on FerretDB any other filter reads the whole
 * collection): they read, check, then write.
 */
import type { Collection, Db, Filter } from 'mongodb';
import { insertEachUnlessTaken } from '../duplicate-key.js';
import { GroupCommit } from '../group-commit.js';
import type { WebhookDeliveryStatusValue } from '../../errors/index.js';
import { afterFilter, type Page, type PagePosition } from '../page-cursor.js';
import type { TraceContextDoc } from '../trace-context.js';

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
  /** The next attempt was asked for by a person (a test or a redelivery). */
  manualNext: boolean;
  /** Why it FAILED. */
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  /** The trace context its attempts continue (OpenTelemetry); absent while tracing is off. */
  trace?: TraceContextDoc | null;
}

/** Fields that settling an attempt or restarting a delivery may change. */
export type DeliveryChanges = Partial<
  Pick<
    WebhookDeliveryDoc,
    'status' | 'attemptCount' | 'scheduleStart' | 'nextAttemptAt' | 'manualNext' | 'failureReason' | 'deliveredAt'
  >
>;

export interface DeliveryListFilter {
  endpointId: string;
  status?: WebhookDeliveryStatusValue;
}

export class WebhookDeliveriesRepository {
  readonly collection: Collection<WebhookDeliveryDoc>;
  /** Concurrent inserts share a statement: true for each stored, false when its `_id` was taken. */
  private readonly inserts: GroupCommit<WebhookDeliveryDoc, boolean>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookDeliveryDoc>('webhook_deliveries');
    this.inserts = new GroupCommit((docs) => insertEachUnlessTaken(this.collection, docs));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ endpointId: 1, createdAt: -1, _id: -1 });
    await this.collection.createIndex({ status: 1 });
    await this.collection.createIndex({ jobId: 1, createdAt: -1 });
  }

  /**
   * Inserts unless a delivery with this `_id` exists; true when this call inserted it.
   * Concurrent calls (the endpoints of one event, events finishing together) share a statement.
   */
  insertIfAbsent(doc: WebhookDeliveryDoc): Promise<boolean> {
    return this.inserts.submit(doc);
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
   * Applies the outcome of attempt `number`. The caller has read the record and seen a
   * lower attemptCount: the filter is the bare `_id`, which FerretDB serves from its key.
   */
  async settle(id: string, number: number, changes: DeliveryChanges): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { ...changes, attemptCount: number, updatedAt: new Date() } });
  }

  /** Applies the outcomes of several attempts in one statement, as settle() does each. */
  async settleEach(settled: ReadonlyArray<{ id: string; number: number; changes: DeliveryChanges }>): Promise<void> {
    if (settled.length === 0) return;
    const updatedAt = new Date();
    await this.collection.bulkWrite(
      settled.map(({ id, number, changes }) => ({
        updateOne: { filter: { _id: id }, update: { $set: { ...changes, attemptCount: number, updatedAt } } },
      })),
      { ordered: false },
    );
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

  /**
   * Every PENDING delivery, for queueing those stored before the queue existed. Read once
   * when a dispatcher starts (on FerretDB a scan of the collection), never while it runs.
   */
  listPending(): Promise<Array<Pick<WebhookDeliveryDoc, '_id' | 'tenantId' | 'endpointId' | 'nextAttemptAt'>>> {
    return this.collection.find({ status: 'PENDING' }, { projection: { _id: 1, tenantId: 1, endpointId: 1, nextAttemptAt: 1 } }).toArray();
  }

  /** Fails one delivery if it is still pending (its endpoint is gone or disabled); true when it was. */
  async failIfPending(id: string, reason: string): Promise<boolean> {
    const current = await this.findById(id);
    if (current?.status !== 'PENDING') return false;
    await this.collection.updateOne({ _id: id }, { $set: failed(reason) });
    return true;
  }

  /** Retention: removes one delivery record (its attempts are removed by id first). */
  async deleteById(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }
}

function failed(reason: string): DeliveryChanges & { updatedAt: Date } {
  return { status: 'FAILED', failureReason: reason, nextAttemptAt: null, updatedAt: new Date() };
}
