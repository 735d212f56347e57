/**
 * The auth side of one process, composed from the config and the database: tenants and
 * their keys, scoped access tokens, the per-tenant rate limits, and the registry of open
 * WebSockets (MAX_CONNECTIONS_PER_TENANT). Built once; `server/` builds no repository.
 */
import type { Db } from 'mongodb';
import type { Config } from '../config/index.js';
import { AccessTokensRepository, RateCountersRepository, TenantsRepository, WsConnectionsRepository } from '../db/tenants/index.js';
import { AccessTokens } from './access-tokens.js';
import { TenantRateLimiter } from './rate-limits.js';

export interface Auth {
  tenants: TenantsRepository;
  /** Per-tenant request, submission and webhook-send limits (rate-limits.ts). */
  rateLimiter: TenantRateLimiter;
  /** Open WebSockets of every API process, for MAX_CONNECTIONS_PER_TENANT. */
  wsConnections: WsConnectionsRepository;
  accessTokens: AccessTokens;
}

export async function createAuth(db: Db, config: Readonly<Config>): Promise<Auth> {
  const tenants = new TenantsRepository(db);
  const rateCounters = new RateCountersRepository(db);
  const wsConnections = new WsConnectionsRepository(db);
  await Promise.all([tenants.ensureIndexes(), rateCounters.ensureIndexes(), wsConnections.ensureIndexes()]);
  const rateLimiter = new TenantRateLimiter(rateCounters, {
    request: config.api.requestsPerMinute,
    submit: config.api.submissionsPerMinute,
    'webhook-send': config.api.webhookSendsPerMinute,
    'token-request': config.accessTokens.requestsPerMinute,
  });
  const accessTokens = new AccessTokens(new AccessTokensRepository(db), tenants, config.accessTokens);
  return { tenants, rateLimiter, wsConnections, accessTokens };
}
