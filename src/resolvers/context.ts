/**
 * What every resolver gets: the caller's tenant (already authenticated by src/server)
 * and the domain services. Resolvers stay thin: check input shape, call a service.
 */
import type { Tenant } from '../auth/tenant.js';

/** The domain services resolvers may call; src/server/services.ts builds them. */
export interface DomainServices {
  /** Placeholder so the interface is not empty before the domains are wired. */
  readonly ready: true;
}

export interface GraphQLContext {
  tenant: Tenant;
  services: DomainServices;
}
