/**
 * Webhook endpoints as a tenant manages them: register, change, rotate the secret,
 * delete. Everything is scoped by tenant; another tenant's endpoint is NOT_FOUND, never
 * FORBIDDEN, so that its existence does not leak.
 */
import { conflict, notFound } from '../errors/index.js';
import type { WebhookDeliveriesRepository, EndpointChanges, WebhookEndpointDoc, WebhookEndpointsRepository, WebhookQueueRepository } from '../db/webhooks/index.js';
import type { LookupAll } from './address-guard.js';
import { validateDescription, validateEventTypes, validateUrl } from './endpoint-input.js';
import { newEndpointId } from './ids.js';
import { stopEndpointDeliveries } from './pending-deliveries.js';
import { generateSecret } from './secret.js';
import type { SecretBox } from './secret-box.js';

/** Enough for any integration; a bound so one tenant cannot fan every event out a thousandfold. */
export const MAX_ENDPOINTS_PER_TENANT = 50;

export interface CreateEndpointInput {
  url: string;
  description?: string | null;
  eventTypes?: readonly string[] | null;
}

/** Omitted or null fields stay as they are. */
export interface UpdateEndpointInput {
  url?: string | null;
  /** An empty string clears it. */
  description?: string | null;
  eventTypes?: readonly string[] | null;
  enabled?: boolean | null;
}

/** An endpoint with the secret that is shown once (at creation and after a rotation). */
export interface EndpointWithSecret {
  endpoint: WebhookEndpointDoc;
  secret: string;
  oldSecretExpiresAt: Date | null;
}

export interface EndpointServiceDeps {
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
  queue: WebhookQueueRepository;
  /** WEBHOOK_ALLOW_PRIVATE_URLS. */
  allowPrivateUrls: boolean;
  /** How long the old secret keeps signing after a rotation. */
  secretGraceMs: number;
  /** Seals secrets before they are stored (WEBHOOK_SECRET_KEY); stores them as given without a key. */
  secretBox: SecretBox;
  /** How host names are resolved at registration; for tests. */
  lookup?: LookupAll;
  now?: () => Date;
}

export class WebhookEndpointService {
  private readonly now: () => Date;

  constructor(private readonly deps: EndpointServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  list(tenantId: string): Promise<WebhookEndpointDoc[]> {
    return this.deps.endpoints.listForTenant(tenantId);
  }

  /** The tenant's endpoint, or null (also for another tenant's or a deleted one). */
  find(tenantId: string, id: string): Promise<WebhookEndpointDoc | null> {
    return this.deps.endpoints.findForTenant(tenantId, id);
  }

  /** The tenant's endpoint even if deleted: what a delivery made to it shows as its endpoint. */
  async findIncludingDeleted(tenantId: string, id: string): Promise<WebhookEndpointDoc | null> {
    const endpoint = await this.deps.endpoints.findById(id);
    return endpoint !== null && endpoint.tenantId === tenantId ? endpoint : null;
  }

  /** The tenant's endpoint, or NOT_FOUND. */
  async get(tenantId: string, id: string): Promise<WebhookEndpointDoc> {
    const endpoint = await this.find(tenantId, id);
    if (!endpoint) throw notFound('webhook endpoint', id);
    return endpoint;
  }

  async create(tenantId: string, input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const url = await this.validateUrl(input.url);
    const description = validateDescription(input.description);
    const eventTypes = validateEventTypes(input.eventTypes);
    if ((await this.deps.endpoints.countForTenant(tenantId)) >= MAX_ENDPOINTS_PER_TENANT) {
      throw conflict(`a tenant may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first`);
    }
    const now = this.now();
    const id = newEndpointId();
    const secret = generateSecret();
    const endpoint: WebhookEndpointDoc = {
      _id: id,
      tenantId,
      url,
      description,
      eventTypes,
      enabled: true,
      disabledReason: null,
      secret: this.deps.secretBox.seal(secret, id),
      previousSecret: null,
      previousSecretExpiresAt: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await this.deps.endpoints.insert(endpoint);
    // The plaintext is returned here, once; only the sealed form is stored.
    return { endpoint, secret, oldSecretExpiresAt: null };
  }

  async update(tenantId: string, id: string, input: UpdateEndpointInput): Promise<WebhookEndpointDoc> {
    await this.get(tenantId, id);
    const changes: EndpointChanges = {};
    if (input.url != null) changes.url = await this.validateUrl(input.url);
    if (input.description !== undefined) changes.description = validateDescription(input.description);
    if (input.eventTypes != null) changes.eventTypes = validateEventTypes(input.eventTypes);
    if (input.enabled != null) {
      changes.enabled = input.enabled;
      // Re-enabling starts afresh: the old reason and failing streak no longer apply.
      if (input.enabled) Object.assign(changes, { disabledReason: null, failingSince: null });
    }
    const updated = await this.deps.endpoints.update(tenantId, id, changes);
    if (!updated) throw notFound('webhook endpoint', id);
    return updated;
  }

  /**
   * A new secret; the current one keeps signing (as a second signature) until
   * oldSecretExpiresAt, so receivers can switch without losing a message. A secret older
   * than that is dropped at once. Both are stored sealed, so a current secret stored in the
   * clear (before WEBHOOK_SECRET_KEY was set) is encrypted from here on.
   */
  async rotateSecret(tenantId: string, id: string): Promise<EndpointWithSecret> {
    const current = await this.get(tenantId, id);
    const oldSecretExpiresAt = new Date(this.now().getTime() + this.deps.secretGraceMs);
    const secret = generateSecret();
    const box = this.deps.secretBox;
    const updated = await this.deps.endpoints.update(tenantId, id, {
      secret: box.seal(secret, id),
      previousSecret: box.seal(box.open(current.secret, id), id),
      previousSecretExpiresAt: oldSecretExpiresAt,
    });
    if (!updated) throw notFound('webhook endpoint', id);
    return { endpoint: updated, secret, oldSecretExpiresAt };
  }

  /** Deletes the endpoint (softly, see the repository); its pending deliveries fail. */
  async delete(tenantId: string, id: string): Promise<true> {
    const deleted = await this.deps.endpoints.update(tenantId, id, { deletedAt: this.now(), enabled: false });
    if (!deleted) throw notFound('webhook endpoint', id);
    await stopEndpointDeliveries(this.deps, id, 'endpoint deleted');
    return true;
  }

  private validateUrl(url: string): Promise<string> {
    return validateUrl(url, { allowPrivate: this.deps.allowPrivateUrls, lookup: this.deps.lookup });
  }
}
