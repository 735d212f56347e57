/**
 * What every resolver gets: the caller's tenant (already authenticated by src/server)
 * and the domain services. Resolvers stay thin: check input shape, call a service.
 */
import type { TenantDoc as Tenant } from '../db/tenants.repository.js';
import type { JobService } from '../jobs/job-service.js';
import type { LiveJobs } from '../jobs/live-jobs.js';
import type { WebhookService } from '../webhooks/index.js';

/** The domain services resolvers may call; src/server/services.ts builds them. */
export interface DomainServices {
  jobs: JobService;
  /** Live job events (API processes only; undefined in a worker-only process). */
  live?: LiveJobs;
  /** Webhook endpoints, deliveries and the outbox (sendTest, redeliver). */
  webhooks: WebhookService;
}

export interface GraphQLContext {
  tenant: Tenant;
  services: DomainServices;
  /** The HTTP request's id (x-request-id); absent over WebSocket. */
  requestId?: string;
}
