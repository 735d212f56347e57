/**
 * What every resolver gets: the caller's tenant (already authenticated by src/server)
 * and the domain services. Resolvers stay thin: check input shape, call a service.
 */
import type { RateKind } from '../auth/rate-limits.js';
import type { TenantDoc as Tenant } from '../db/tenants/index.js';
import type { Access } from '../auth/access-scope.js';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { JobOutputFeed, JobService, LiveJobs } from '../jobs/index.js';
import type { FileService } from '../files/index.js';
import type { WebhookService } from '../webhooks/index.js';

/** The domain services resolvers may call; src/server/services.ts builds them. */
export interface DomainServices {
  jobs: JobService;
  /** Live job events (API processes only; undefined in a worker-only process). */
  live?: LiveJobs;
  /** Live AI output of running jobs (API processes only). */
  output?: JobOutputFeed;
  /** Webhook endpoints, deliveries and the outbox (sendTest, redeliver). */
  webhooks: WebhookService;
  /** Uploaded files: the tenant's list, one file, deleting one. */
  files: FileService;
  /** Per-tenant limits on submissions and webhook sends: throws RATE_LIMITED when over. */
  rateLimits?: { take(tenantId: string, kind: RateKind): Promise<void> };
  /** Scoped access tokens: minting, and widening a token's scope by what it submits. */
  accessTokens: AccessTokens;
}

/** What resolvers and commands see of a request's budget. */
export interface RequestDeadline {
  readonly signal: AbortSignal;
  /** Throws TIMEOUT when the deadline has passed; afterwards the request's answer is owed. */
  commit(): void;
  readonly isCommitted: boolean;
  /** Milliseconds until the deadline (0 once it has passed). */
  remainingMs(): number;
}

export interface GraphQLContext {
  tenant: Tenant;
  /** How the caller authenticated; a scoped token reaches only its own jobs and batches. */
  access?: Access;
  services: DomainServices;
  /**
   * The request's deadline and size budget (src/server/request-budget.ts), over HTTP and for
   * WebSocket queries and mutations. A mutation calls `commit()` right before its first write.
   */
  request?: RequestDeadline;
  /** The HTTP request's id (x-request-id); absent over WebSocket. */
  requestId?: string;
}
