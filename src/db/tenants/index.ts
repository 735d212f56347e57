/** The tenants' collections: tenants and their keys, access tokens, budgets and the spend ledger, running seats, request rate counters, open WebSockets. */
export { AccessTokensRepository } from './access-tokens.repository.js';
export type { AccessTokenDoc } from './access-tokens.repository.js';
export { TenantBudgetsRepository, spendPeriod } from './budgets.repository.js';
export { SpendLedgerRepository } from './spend-ledger.repository.js';
export type { OpenReservation, SpendLedgerDoc } from './spend-ledger.repository.js';
export { RateCountersRepository } from './rate-counters.repository.js';
export { TenantSeatsRepository } from './seats.repository.js';
export { TenantsRepository } from './tenants.repository.js';
export type { ApiKeyDoc, TenantDoc } from './tenants.repository.js';
export { WsConnectionsRepository } from './ws-connections.repository.js';
