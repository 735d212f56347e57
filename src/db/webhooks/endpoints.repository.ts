/**
 * The `webhook_endpoints` collection: URLs that receive a tenant's signed webhooks.
 *
 * The dispatcher needs the signing secret itself to compute an HMAC (a hash would not
 * do), so it is stored as given, or encrypted (`enc:v1:…`, AES-256-GCM) when
 * WEBHOOK_SECRET_KEY is set; see src/webhooks/secret-box. It never leaves through GraphQL
 * after creation or rotation. Endpoints are deleted softly (`deletedAt`) so that the
 * deliveries made to them can still name their endpoint.
 *
 * FerretDB rewrites whole documents on update, so the dispatcher writes here only on
 * state changes (failing → healthy, disabling), never on every attempt: that keeps the
 * window in which it could overwrite a person's concurrent edit vanishingly small.
 */
import type { Collection, Db, Filter } from 'mongodb';

export interface WebhookEndpointDoc {
  _id: string;
  tenantId: string;
  url: string;
  description: string | null;
  /** The subscribed event types; null means all of them, including types added later. */
  eventTypes: string[] | null;
  enabled: boolean;
  /** Why the dispatcher disabled it; null when enabled or disabled by a person. */
  disabledReason: string | null;
  /** The current secret, `whsec_` + base64, or that sealed as `enc:v1:<iv>:<ciphertext>`. */
  secret: string;
  /** The secret before the last rotation (stored as `secret` is), still signing until previousSecretExpiresAt. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** The first failed attempt since the last success (or creation); null while healthy. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export type EndpointChanges = Partial<
  Pick<
    WebhookEndpointDoc,
    'url' | 'description' | 'eventTypes' | 'enabled' | 'disabledReason' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt' | 'failingSince' | 'deletedAt'
  >
>;

export class WebhookEndpointsRepository {
  readonly collection: Collection<WebhookEndpointDoc>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookEndpointDoc>('webhook_endpoints');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tenantId: 1, createdAt: -1, _id: -1 });
  }

  async insert(doc: WebhookEndpointDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  /** Any endpoint, deleted ones included: for the dispatcher and for deliveries' `endpoint`. */
  findById(id: string): Promise<WebhookEndpointDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** The tenant's endpoint, unless deleted. */
  findForTenant(tenantId: string, id: string): Promise<WebhookEndpointDoc | null> {
    return this.collection.findOne({ _id: id, tenantId, deletedAt: null });
  }

  /** The tenant's endpoints, newest first. */
  listForTenant(tenantId: string): Promise<WebhookEndpointDoc[]> {
    return this.collection.find({ tenantId, deletedAt: null }).sort({ createdAt: -1, _id: -1 }).toArray();
  }

  /** Every endpoint the tenant ever had, deleted ones included (their deliveries are still stored). */
  listAllForTenant(tenantId: string): Promise<WebhookEndpointDoc[]> {
    return this.collection.find({ tenantId }).toArray();
  }

  /** The endpoints that receive the tenant's events now. */
  listEnabled(tenantId: string): Promise<WebhookEndpointDoc[]> {
    return this.collection.find({ tenantId, enabled: true, deletedAt: null }).toArray();
  }

  countForTenant(tenantId: string): Promise<number> {
    return this.collection.countDocuments({ tenantId, deletedAt: null });
  }

  /** Applies changes to the tenant's (undeleted) endpoint; null when there is none. */
  update(tenantId: string, id: string, changes: EndpointChanges): Promise<WebhookEndpointDoc | null> {
    return this.collection.findOneAndUpdate(
      { _id: id, tenantId, deletedAt: null },
      { $set: { ...changes, updatedAt: new Date() } },
      { returnDocument: 'after' },
    );
  }

  /** Deletes a previous secret whose grace period is over: it must not stay stored. */
  async clearExpiredPreviousSecret(id: string, now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id, previousSecretExpiresAt: { $lte: now } } as Filter<WebhookEndpointDoc>,
      { $set: { previousSecret: null, previousSecretExpiresAt: null } },
    );
  }

  /** Records the first failure of a failing streak; later failures leave it as it is. */
  async markFailing(id: string, since: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, failingSince: null }, { $set: { failingSince: since } });
  }

  /** A success ends a failing streak. */
  async markHealthy(id: string): Promise<void> {
    await this.collection.updateOne({ _id: id, failingSince: { $ne: null } } as Filter<WebhookEndpointDoc>, {
      $set: { failingSince: null },
    });
  }

  /** Disables an enabled endpoint with a reason; false when it was not enabled (any more). */
  async disable(id: string, reason: string): Promise<boolean> {
    const res = await this.collection.updateOne(
      { _id: id, enabled: true },
      { $set: { enabled: false, disabledReason: reason, updatedAt: new Date() } },
    );
    return res.modifiedCount === 1;
  }
}
