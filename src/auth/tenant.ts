/** The authenticated caller as resolvers see it. */
export type { TenantDoc as Tenant } from '../db/tenants.repository.js';
