/**
 * The `webhook_queue` collection: one small record per delivery that is still owed an
 * attempt, deleted when the delivery settles. The dispatcher polls, leases and reschedules
 * only here, so its cost follows the work in flight and never the delivery history.
 *
 * Facts kept here and nowhere else: when a dispatcher may take the delivery (`dueAt`: the
 * next attempt's time, or while leased the end of the lease) and who holds it. The
 * delivery record (webhook_deliveries) keeps what a person reads: status, attempt count,
 * next attempt time. The `_id` is the delivery's, so an insert is also the exclusive
 * "queue this delivery" step on FerretDB (unique `_id`), and every write is by `_id`.
 */
import type { Collection, Db, Filter } from 'mongodb';
import { insertUnlessTaken } from '../duplicate-key.js';

export interface WebhookQueueDoc {
  /** The delivery's `_id`. */
  _id: string;
  endpointId: string;
  /** When a dispatcher may take it: the next attempt's time, or the end of a dispatcher's lease. */
  dueAt: Date;
  leaseOwner: string | null;
}

export interface WebhookQueueRepositoryOptions {
  /**
   * The server answers only an exact `{ _id }` filter from its key (FerretDB v1): a lease
   * then reads and writes by `_id` instead of one conditional findAndModify, which there
   * would read the whole queue (a dead endpoint's backlog included) on every lease. Not
   * less safe there: FerretDB's findAndModify reads and writes the same way.
   */
  idLookupsOnly?: boolean;
}

export class WebhookQueueRepository {
  readonly collection: Collection<WebhookQueueDoc>;
  private readonly idLookupsOnly: boolean;

  constructor(db: Db, opts: WebhookQueueRepositoryOptions = {}) {
    this.collection = db.collection<WebhookQueueDoc>('webhook_queue');
    this.idLookupsOnly = opts.idLookupsOnly ?? false;
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ dueAt: 1 });
    await this.collection.createIndex({ endpointId: 1 });
  }

  /** Queues a delivery unless it is queued already; true when this call queued it. */
  insertIfAbsent(doc: WebhookQueueDoc): Promise<boolean> {
    return insertUnlessTaken(this.collection, doc);
  }

  findById(id: string): Promise<WebhookQueueDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /**
   * Entries a dispatcher may take now, oldest due first, leaving out the endpoints it
   * already has enough attempts in flight for: otherwise one dead endpoint's backlog would
   * fill every page of the poll and starve the others.
   */
  findDue(now: Date, skipEndpoints: readonly string[], limit: number): Promise<WebhookQueueDoc[]> {
    const filter: Filter<WebhookQueueDoc> = { dueAt: { $lte: now } };
    if (skipEndpoints.length > 0) filter.endpointId = { $nin: [...skipEndpoints] };
    return this.collection.find(filter).sort({ dueAt: 1 }).limit(limit).toArray();
  }

  /** An endpoint's entries (it was disabled or deleted). */
  listForEndpoint(endpointId: string): Promise<WebhookQueueDoc[]> {
    return this.collection.find({ endpointId }).toArray();
  }

  /**
   * Takes a due entry until `until`; null when it is not due (any more). Exclusive on
   * MongoDB; on FerretDB two callers may both get it, which the attempt claim absorbs.
   */
  async lease(id: string, now: Date, until: Date, owner: string): Promise<WebhookQueueDoc | null> {
    if (!this.idLookupsOnly) {
      return this.collection.findOneAndUpdate(
        { _id: id, dueAt: { $lte: now } },
        { $set: { dueAt: until, leaseOwner: owner } },
        { returnDocument: 'after' },
      );
    }
    const current = await this.collection.findOne({ _id: id });
    if (current === null || current.dueAt.getTime() > now.getTime()) return null;
    await this.collection.updateOne({ _id: id }, { $set: { dueAt: until, leaseOwner: owner } });
    return { ...current, dueAt: until, leaseOwner: owner };
  }

  /** Gives a lease back without an attempt (the dispatcher is stopping): due again at once. */
  async release(id: string, owner: string, now: Date): Promise<void> {
    const current = await this.collection.findOne({ _id: id });
    if (current?.leaseOwner !== owner) return;
    await this.collection.updateOne({ _id: id }, { $set: { dueAt: now, leaseOwner: null } });
  }

  /**
   * Queues the delivery due at `dueAt`, unleased, whether or not it was queued: the next
   * attempt of a schedule, or a redelivery. An entry that a stop removed meanwhile comes
   * back, and the attempt runner then finds the endpoint disabled and fails it for good.
   */
  async schedule(id: string, endpointId: string, dueAt: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { endpointId, dueAt, leaseOwner: null } }, { upsert: true });
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }
}
