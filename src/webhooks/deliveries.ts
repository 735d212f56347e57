/**
 * Reading deliveries and their attempt logs, tenant-scoped: another tenant's delivery is
 * simply not there (null), as the contract asks.
 */
import { badInput, notFound } from '../errors/index.js';
import type { JobDoc, JobsRepository } from '../db/jobs/index.js';
import { decodeCursor, type Page } from '../db/page-cursor.js';
import type { WebhookAttemptDoc, WebhookAttemptsRepository } from '../db/webhooks/index.js';
import type {
  WebhookDeliveriesRepository,
  WebhookDeliveryDoc,
  WebhookDeliveryStatusValue,
} from '../db/webhooks/index.js';

/** The most deliveries one page (or one job's list) returns. */
export const MAX_PAGE_SIZE = 100;

export interface DeliveryPageArgs {
  status?: WebhookDeliveryStatusValue | null;
  first?: number | null;
  after?: string | null;
}

export class WebhookDeliveryQueries {
  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly attemptsRepo: WebhookAttemptsRepository,
    private readonly jobs: JobsRepository,
  ) {}

  /** The tenant's delivery, or null. */
  find(tenantId: string, id: string): Promise<WebhookDeliveryDoc | null> {
    return this.deliveries.findForTenant(tenantId, id);
  }

  /** The tenant's delivery, or NOT_FOUND. */
  async get(tenantId: string, id: string): Promise<WebhookDeliveryDoc> {
    const delivery = await this.find(tenantId, id);
    if (!delivery) throw notFound('webhook delivery', id);
    return delivery;
  }

  /** One endpoint's deliveries, newest first. The caller has checked the endpoint is the tenant's. */
  listForEndpoint(tenantId: string, endpointId: string, args: DeliveryPageArgs): Promise<Page<WebhookDeliveryDoc>> {
    const first = args.first ?? 20;
    if (!Number.isSafeInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
      throw badInput(['first'], `must be from 0 to ${MAX_PAGE_SIZE}`);
    }
    const after = args.after != null ? decodeCursor(args.after) : undefined;
    if (args.after != null && after === undefined) throw badInput(['after'], 'is not a cursor from this connection');
    return this.deliveries.listForEndpoint(tenantId, { endpointId, ...(args.status ? { status: args.status } : {}) }, first, after);
  }

  /** A job's deliveries, newest first. */
  listForJob(tenantId: string, jobId: string): Promise<WebhookDeliveryDoc[]> {
    return this.deliveries.listForJob(tenantId, jobId, MAX_PAGE_SIZE);
  }

  /** The job a delivery is about, if the tenant's and still there. */
  job(tenantId: string, jobId: string): Promise<JobDoc | null> {
    return this.jobs.findForTenant(tenantId, jobId);
  }

  /** The attempt log of a delivery, oldest first. */
  attempts(deliveryId: string): Promise<WebhookAttemptDoc[]> {
    return this.attemptsRepo.listForDelivery(deliveryId);
  }
}
