/**
 * The API's protective limits: query cost, request deadline, response size, per-tenant
 * rate limits, WebSocket payload and connection caps. Read once with the rest of the config.
 */
import { readBool, readDuration, readInt, readOptional, type Env } from './parse.js';

export interface ApiLimits {
  /** Deepest field nesting of one operation (GRAPHQL_MAX_DEPTH). */
  maxDepth: number;
  /** Aliases in one operation (GRAPHQL_MAX_ALIASES). */
  maxAliases: number;
  /** Lexical tokens in one document (GRAPHQL_MAX_TOKENS). */
  maxTokens: number;
  /** Estimated cost: one per object field, list fields times their page size, each item at least one, plus work that grows with data (GRAPHQL_MAX_COST). @default 10,000 */
  maxCost: number;
  /** Schema introspection (GRAPHQL_INTROSPECTION; on when NODE_ENV=development). */
  introspection: boolean;
  /** One HTTP request's deadline, database work included (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Serialised size of one HTTP response or WebSocket message (MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** GraphQL requests per tenant per minute, over HTTP and WebSocket (API_RATE_LIMIT). */
  requestsPerMinute: number;
  /** Jobs and batches submitted per tenant per minute (SUBMIT_RATE_LIMIT). */
  submissionsPerMinute: number;
  /** sendTestWebhook, redeliverWebhook and recoverWebhookDeliveries per tenant per minute (WEBHOOK_SEND_RATE_LIMIT). */
  webhookSendsPerMinute: number;
  /** Open WebSocket connections per tenant over all API processes (MAX_CONNECTIONS_PER_TENANT). */
  maxConnectionsPerTenant: number;
  /** Largest WebSocket message; a larger one closes the socket unread (WS_MAX_PAYLOAD_BYTES). */
  wsMaxPayloadBytes: number;
  /** Requests without a valid key per client address per minute, in each API process (UNAUTHENTICATED_RATE_LIMIT). */
  unauthenticatedPerMinute: number;
  /** How often each API process re-checks the keys of its open sockets (API_KEY_RECHECK_INTERVAL). */
  keyRecheckMs: number;
}

export function readApiLimits(env: Env, nodeEnv: string): ApiLimits {
  return {
    maxDepth: readInt(env, 'GRAPHQL_MAX_DEPTH', 12, 2, 1000),
    maxAliases: readInt(env, 'GRAPHQL_MAX_ALIASES', 30, 0, 100_000),
    maxTokens: readInt(env, 'GRAPHQL_MAX_TOKENS', 5000, 100, 1_000_000),
    maxCost: readInt(env, 'GRAPHQL_MAX_COST', 10_000, 10, 100_000_000),
    introspection: readOptional(env, 'GRAPHQL_INTROSPECTION') === undefined ? nodeEnv === 'development' : readBool(env, 'GRAPHQL_INTROSPECTION', false),
    requestTimeoutMs: readInt(env, 'REQUEST_TIMEOUT_MS', 15_000, 100, 600_000),
    maxResponseBytes: readInt(env, 'MAX_RESPONSE_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    requestsPerMinute: readInt(env, 'API_RATE_LIMIT', 600, 1, 100_000_000),
    submissionsPerMinute: readInt(env, 'SUBMIT_RATE_LIMIT', 120, 1, 100_000_000),
    webhookSendsPerMinute: readInt(env, 'WEBHOOK_SEND_RATE_LIMIT', 10, 1, 100_000_000),
    maxConnectionsPerTenant: readInt(env, 'MAX_CONNECTIONS_PER_TENANT', 50, 1, 1_000_000),
    wsMaxPayloadBytes: readInt(env, 'WS_MAX_PAYLOAD_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    unauthenticatedPerMinute: readInt(env, 'UNAUTHENTICATED_RATE_LIMIT', 60, 1, 100_000_000),
    keyRecheckMs: readDuration(env, 'API_KEY_RECHECK_INTERVAL', '3s'),
  };
}
