/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's /graphql path.
 * The API key comes in `connectionParams.authorization`; a missing or wrong key makes
 * onConnect return false, which graphql-ws answers with close code 4403 Forbidden.
 *
 * graphql-ws runs a subscription's resolver (access checks, the source stream) but not its
 * items: each item is built and serialised once per subscription shape and written to the
 * sockets as a ready frame (./fan-out), within each socket's WS_SEND_BUFFER_BYTES.
 */
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, createSourceEventStream, getOperationAST, specifiedRules, NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Access } from '../auth/access-scope.js';
import type { Caller } from '../auth/access-tokens.js';
import type { TenantDoc as Tenant } from '../db/tenants/index.js';
import { ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';
import { FrameSink, SubscriptionSource } from './fan-out/frame-sink.js';
import { Shapes } from './fan-out/shapes.js';
import { SocketFrames } from './fan-out/socket-frames.js';
import { subscriptionShape } from './fan-out/subscription-shape.js';
import type { ErrorFormatter } from './format-error.js';
import { queryLimitRules } from './query-limits.js';
import { RequestBudget } from './request-budget.js';
import { responseTooLarge } from './response-limit.js';
import type { Services } from './services.js';
import { ValidatedDocuments } from './validated-documents.js';
import { guardTokenSocket } from './token-socket.js';
import { CLOSE_TOO_MANY_CONNECTIONS, WsSocketRegistry } from './ws-socket-registry.js';

type ConnectionExtra = {
  tenant?: Tenant;
  access?: Access;
  connectionId?: string;
  /** The budgets of this socket's queries and mutations in flight, by operation id. */
  budgets?: Map<string, RequestBudget>;
  /** Where this socket's subscription frames are written. */
  frames?: SocketFrames;
};

export interface WsHandle {
  /** Completes every open subscription and closes every socket (1001 Going Away). */
  dispose(): Promise<void>;
  connectionCount(): number;
  /** Open subscriptions. */
  subscriptionCount(): number;
  /** Bytes the open sockets hold, not yet sent. */
  unsentBytes(): number;
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
  const shapes = new Shapes({ formatError, maxResponseBytes: limits.maxResponseBytes, requestTimeoutMs: limits.requestTimeoutMs });
  const rules = [...specifiedRules, ...queryLimitRules(limits), ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const documents = new ValidatedDocuments({ schema, rules, maxTokens: limits.maxTokens });
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
        ctx.extra.frames = new SocketFrames(ctx.extra.socket, ctx.extra.request.socket, {
          maxBufferedBytes: config.events.sendBufferBytes,
          sendTimeoutMs: config.events.sendTimeoutMs,
          onSlow: (unsentBytes) =>
            logger.warn({ connectionId: admitted.id, tenantId: caller.tenant._id, unsentBytes }, 'closed a WebSocket that fell behind (WS_SEND_BUFFER_BYTES)'),
        });
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
        // The same parse and validation limits as over HTTP, once per distinct text.
        const checked = documents.get(payload.query);
        if ('errors' in checked) return [...checked.errors];
        return { schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      // A query or mutation gets the deadline and response budget an HTTP request gets (a
      // subscription lives as long as it is watched, so it has none; each of its payloads
      // gets them when it is built, see fan-out/shapes.ts).
      context: (ctx, id, _payload, args): GraphQLContext => {
        const base: GraphQLContext = { tenant: ctx.extra.tenant!, access: ctx.extra.access, services: services.domain };
        if (getOperationAST(args.document, args.operationName)?.operation === 'subscription') return base;
        const request = new RequestBudget(limits.requestTimeoutMs, limits.maxResponseBytes);
        (ctx.extra.budgets ??= new Map()).get(id)?.finish();
        ctx.extra.budgets.set(id, request);
        return { ...base, request };
      },
      // A subscription's source stream only: its items are executed per shape (FrameSink).
      subscribe: async (args) => {
        const source = await createSourceEventStream(args);
        return isAsyncIterable(source) ? new SubscriptionSource(source[Symbol.asyncIterator]()) : source;
      },
      onOperation: (ctx, id, _payload, args, result) => {
        if (!(result instanceof SubscriptionSource)) return undefined;
        const context = args.contextValue as GraphQLContext;
        const shape = subscriptionShape({
          document: args.document,
          operationName: args.operationName,
          variables: args.variableValues,
          tenantId: context.tenant._id,
          access: context.access,
        });
        return new FrameSink(result.items, shapes.acquire(shape, args), ctx.extra.frames!, id);
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
    subscriptionCount: () => shapes.subscriptions,
    unsentBytes: () => {
      let bytes = 0;
      for (const socket of wss.clients) bytes += socket.bufferedAmount;
      return bytes;
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}
