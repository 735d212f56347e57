/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's /graphql path.
 * The API key comes in `connectionParams.authorization`; a missing or wrong key makes
 * onConnect return false, which graphql-ws answers with close code 4403 Forbidden.
 */
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Access } from '../auth/access-scope.js';
import type { Tenant } from '../auth/tenant.js';
import { ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';
import type { ErrorFormatter } from './format-error.js';
import type { Services } from './services.js';
import { guardTokenSocket } from './token-socket.js';

type ConnectionExtra = {
  tenant?: Tenant;
  access?: Access;
};

export interface WsHandle {
  /** Completes every open subscription and closes every socket (1001 Going Away). */
  dispose(): Promise<void>;
  connectionCount(): number;
}

export function attachGraphQLWs(httpServer: HttpServer, schema: GraphQLSchema, services: Services, formatError: ErrorFormatter): WsHandle {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const { logger, config } = services;
  const cleanup = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          const caller = await services.accessTokens.authenticate(ctx.connectionParams?.authorization);
          ctx.extra.tenant = caller.tenant;
          ctx.extra.access = caller.access;
          if (caller.access.kind === 'token') guardTokenSocket(ctx.extra.socket, caller.access, services.accessTokens, config.accessTokens.recheckMs);
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: async (ctx, id) => {
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
        // A token's scope grows with what it submits (over HTTP too): read it afresh.
        const access = ctx.extra.access;
        if (access?.kind === 'token') {
          try {
            ctx.extra.access = (await services.accessTokens.authenticateToken(access.tokenHash)).access;
          } catch (err) {
            return [new GraphQLError(err instanceof Error ? err.message : 'the access token is not valid', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
          }
        }
        return undefined;
      },
      context: (ctx): GraphQLContext => ({ tenant: ctx.extra.tenant!, access: ctx.extra.access, services: services.domain }),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result,
      // An `error` message: the request's own errors (validation, the subscription limit)
      // or a stream that failed after it started (a subscriber that fell behind, a gap).
      // They used to go out as graphql-ws built them, without the contract's
      // extensions.code (e.g. the slow-consumer RATE_LIMITED was lost); now they are
      // formatted like every other error. Request errors without a code are validation
      // errors, which the formatter turns into BAD_USER_INPUT as Apollo's are over HTTP.
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
      await cleanup.dispose();
    },
    connectionCount: () => wss.clients.size,
  };
}
