/**
 * The `webhook_queue` collection: one small record per delivery that is still owed an
 * attempt, deleted when the delivery settles. The dispatcher polls only here, so its cost
 * follows the work in flight and never the delivery history.
 *
 * An entry says whose delivery it is (endpoint and tenant, for the dispatcher's slots) and
 * when its next attempt is due. It is not leased: the claim on an attempt is the insert of
 * its attempt row under a unique `_id` (webhook_attempts), which holds on FerretDB too,
 * where a conditional update is not atomic; a dispatcher remembers what it has in hand and
 * what it saw claimed elsewhere. The `_id` is the delivery's, so an insert is also the
 * exclusive "queue this delivery" step, and every write is by `_id`.
 */
import type { AnyBulkWriteOperation, Collection, Db, Filter } from 'mongodb';
import { insertEachUnlessTaken } from '../duplicate-key.js';
import { GroupCommit } from '../group-commit.js';

export interface WebhookQueueDoc {
  /** The delivery's `_id`. */
  _id: string;
  endpointId: string;
  /** The delivery's tenant; absent on entries queued before the dispatcher shared its slots by tenant. */
  tenantId?: string;
  /** When the next attempt is due. */
  dueAt: Date;
}

/** What settling an attempt does to the queue: the next attempt scheduled, or the entry gone. */
export type QueueWrite = { schedule: WebhookQueueDoc } | { remove: string };

/** Entries a poll leaves out: in hand already, or their endpoint or tenant has no room. */
export interface DueFilter {
  ids?: readonly string[];
  endpointIds?: readonly string[];
  tenantIds?: readonly string[];
}

export class WebhookQueueRepository {
  readonly collection: Collection<WebhookQueueDoc>;
  /** Concurrent inserts share a statement: true for each stored, false when its `_id` was taken. */
  private readonly inserts: GroupCommit<WebhookQueueDoc, boolean>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookQueueDoc>('webhook_queue');
    this.inserts = new GroupCommit((docs) => insertEachUnlessTaken(this.collection, docs));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ dueAt: 1 });
    await this.collection.createIndex({ endpointId: 1 });
  }

  /** Queues a delivery unless it is queued already; true when this call queued it. Concurrent calls share a statement. */
  insertIfAbsent(doc: WebhookQueueDoc): Promise<boolean> {
    return this.inserts.submit(doc);
  }

  findById(id: string): Promise<WebhookQueueDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /**
   * Entries due now, oldest due first, leaving out those the dispatcher has in hand and
   * those of endpoints and tenants with no room left: otherwise one dead endpoint's (or
   * tenant's) backlog would fill every page of the poll and starve the others.
   */
  findDue(now: Date, skip: DueFilter, limit: number): Promise<WebhookQueueDoc[]> {
    const filter: Filter<WebhookQueueDoc> = { dueAt: { $lte: now } };
    if (skip.ids?.length) filter._id = { $nin: [...skip.ids] };
    if (skip.endpointIds?.length) filter.endpointId = { $nin: [...skip.endpointIds] };
    if (skip.tenantIds?.length) filter.tenantId = { $nin: [...skip.tenantIds] };
    return this.collection.find(filter).sort({ dueAt: 1 }).limit(limit).toArray();
  }

  /** An endpoint's entries (it was disabled or deleted). */
  listForEndpoint(endpointId: string): Promise<WebhookQueueDoc[]> {
    return this.collection.find({ endpointId }).toArray();
  }

  /**
   * Queues the delivery due at `entry.dueAt`, whether or not it was queued: the next
   * attempt of a schedule, or a redelivery. An entry that a stop removed meanwhile comes
   * back, and the dispatcher then finds the endpoint disabled and fails it for good.
   */
  async schedule(entry: WebhookQueueDoc): Promise<void> {
    await this.collection.updateOne({ _id: entry._id }, { $set: scheduled(entry) }, { upsert: true });
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** Several schedules and removals in one statement, each by `_id`. */
  async apply(writes: readonly QueueWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const ops = writes.map((w): AnyBulkWriteOperation<WebhookQueueDoc> =>
      'remove' in w
        ? { deleteOne: { filter: { _id: w.remove } } }
        : { updateOne: { filter: { _id: w.schedule._id }, update: { $set: scheduled(w.schedule) }, upsert: true } },
    );
    await this.collection.bulkWrite(ops, { ordered: false });
  }
}

function scheduled(entry: WebhookQueueDoc): Omit<WebhookQueueDoc, '_id'> {
  return { endpointId: entry.endpointId, dueAt: entry.dueAt, ...(entry.tenantId !== undefined ? { tenantId: entry.tenantId } : {}) };
}
