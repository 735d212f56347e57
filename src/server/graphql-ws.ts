/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's /graphql path.
 * The API key comes in `connectionParams.authorization`; a missing or wrong key makes
 * onConnect return false, which graphql-ws answers with close code 4403 Forbidden.
 */
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate, NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Access } from '../auth/access-scope.js';
import type { Caller } from '../auth/access-tokens.js';
import type { TenantDoc as Tenant } from '../db/tenants/index.js';
import { ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';
import type { ErrorFormatter } from './format-error.js';
import { queryLimitRules } from './query-limits.js';
import { RequestBudget } from './request-budget.js';
import { responseTooLarge } from './response-limit.js';
import type { Services } from './services.js';
import { guardTokenSocket } from './token-socket.js';
import { CLOSE_TOO_MANY_CONNECTIONS, WsSocketRegistry } from './ws-socket-registry.js';

type ConnectionExtra = {
  tenant?: Tenant;
  access?: Access;
  connectionId?: string;
  /** The budgets of this socket's queries and mutations in flight, by operation id. */
  budgets?: Map<string, RequestBudget>;
};

export interface WsHandle {
  /** Completes every open subscription and closes every socket (1001 Going Away). */
  dispose(): Promise<void>;
  connectionCount(): number;
}

export function attachGraphQLWs(httpServer: HttpServer, schema: GraphQLSchema, services: Services, formatError: ErrorFormatter): WsHandle {
  const { logger, config } = services;
  const limits = config.api;
  // A larger message closes the socket (1009) before it is parsed or executed.
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: limits.wsMaxPayloadBytes });
  const registry = new WsSocketRegistry({
    connections: services.wsConnections,
    tenants: services.tenants,
    processId: services.processId,
    maxPerTenant: limits.maxConnectionsPerTenant,
    maxPerToken: config.accessTokens.maxConnections,
    recheckMs: limits.keyRecheckMs,
    logger: logger.child({ part: 'ws-connections' }),
  });
  registry.start();
  const rules = [...specifiedRules, ...queryLimitRules(limits), ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const cleanup = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        let caller: Caller;
        try {
          caller = await services.accessTokens.authenticate(ctx.connectionParams?.authorization);
        } catch {
          return false;
        }
        // A token's socket counts against its tenant, and closes with its minting key.
        const admitted = await registry.admit(caller.tenant._id, caller.access, ctx.extra.socket);
        if ('refused' in admitted) {
          ctx.extra.socket.close(CLOSE_TOO_MANY_CONNECTIONS, `RATE_LIMITED: ${admitted.refused}`);
          return false;
        }
        ctx.extra.tenant = caller.tenant;
        ctx.extra.access = caller.access;
        ctx.extra.connectionId = admitted.id;
        if (caller.access.kind === 'token') guardTokenSocket(ctx.extra.socket, caller.access, services.accessTokens, config.accessTokens.recheckMs);
        return true;
      },
      onClose: async (ctx) => {
        // Nobody will read these answers: their queries stop at the next field.
        for (const budget of ctx.extra.budgets?.values() ?? []) {
          budget.abandon();
          budget.finish();
        }
        if (ctx.extra.connectionId) await registry.release(ctx.extra.connectionId);
      },
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws registers the new subscription's id before calling onSubscribe, so
        // it must not count itself: counting it allowed only MAX - 1 subscriptions.
        const open = Object.keys(ctx.subscriptions).filter((other) => other !== id).length;
        if (open >= config.events.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `at most ${config.events.maxSubscriptionsPerConnection} subscriptions may be open on one connection`,
              { extensions: { code: ErrorCode.RATE_LIMITED } },
            ),
          ];
        }
        try {
          await services.rateLimiter.takeRequest(ctx.extra.tenant!._id, ctx.extra.access);
        } catch (err) {
          return [new GraphQLError((err as Error).message, { originalError: err as Error })];
        }
        // A token's scope grows with what it submits (over HTTP too): read it afresh.
        const access = ctx.extra.access;
        if (access?.kind === 'token') {
          try {
            ctx.extra.access = (await services.accessTokens.authenticateToken(access.tokenHash)).access;
          } catch (err) {
            return [new GraphQLError(err instanceof Error ? err.message : 'the access token is not valid', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
          }
        }
        // The same parse and validation limits as over HTTP.
        let document;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return [...errors];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      // A query or mutation gets the deadline and response budget an HTTP request gets (a
      // subscription lives as long as it is watched, so it has none).
      context: (ctx, id, _payload, args): GraphQLContext => {
        const base: GraphQLContext = { tenant: ctx.extra.tenant!, access: ctx.extra.access, services: services.domain };
        if (getOperationAST(args.document, args.operationName)?.operation === 'subscription') return base;
        const request = new RequestBudget(limits.requestTimeoutMs, limits.maxResponseBytes);
        (ctx.extra.budgets ??= new Map()).get(id)?.finish();
        ctx.extra.budgets.set(id, request);
        return { ...base, request };
      },
      onComplete: (ctx, id) => {
        ctx.extra.budgets?.get(id)?.finish();
        ctx.extra.budgets?.delete(id);
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const budget = ctx.extra.budgets?.get(id);
        if (budget?.tooLarge) return { data: null, errors: [budget.tooLargeError().toJSON()] };
        const formatted = result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result;
        return responseTooLarge(formatted, limits.maxResponseBytes) ?? formatted;
      },
      // An `error` message: the request's own errors (validation, the subscription limit)
      // or a stream that failed after it started (a subscriber that fell behind, a gap).
      // Formatted like every other error, so each carries the contract's extensions.code
      // (graphql-ws alone would drop it, e.g. the slow-consumer RATE_LIMITED). Request errors
      // without a code are validation errors, which the formatter turns into BAD_USER_INPUT
      // as Apollo's are over HTTP.
      onError: (_ctx, _id, _payload, errors) => {
        logger.debug({ errors: errors.map((e) => e.message) }, 'subscription error');
        return errors.map((e) => {
          if (e.originalError) return formatError(e.toJSON(), e.originalError);
          const json = e.toJSON();
          return formatError(json.extensions?.code ? json : { ...json, extensions: { ...json.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }, e);
        });
      },
    },
    wss,
    config.events.keepAliveMs,
  );
  return {
    dispose: async () => {
      await registry.stop();
      await cleanup.dispose();
    },
    connectionCount: () => wss.clients.size,
  };
}
