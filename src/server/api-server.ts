/**
 * The API process's HTTP side: Express 5 + Apollo Server 5 at /graphql (POST), the
 * WebSocket endpoint on the same path, and /healthz (alive) and /readyz (database up).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { RateLimitedError } from '../auth/rate-limits.js';
import type { Caller } from '../auth/access-tokens.js';
import { pingMongo } from '../db/client.js';
import { AppError, ErrorCode } from '../errors/index.js';
import type { GraphQLContext } from '../resolvers/context.js';
import { buildAppSchema } from './build-schema.js';
import { createErrorFormatter } from './format-error.js';
import { consoleRouter } from './console-static.js';
import { filesRoute } from './files-route.js';
import { reviewCallbackRouter } from './review-callback.js';
import { attachGraphQLWs } from './graphql-ws.js';
import { limitsPlugin } from './limits-plugin.js';
import { parseOptions, queryLimitRules } from './query-limits.js';
import { RequestBudget } from './request-budget.js';
import { UnauthenticatedLimit } from './unauthenticated-limit.js';
import { registerMetricSources } from './metric-sources.js';
import { requestIdOf } from './request-id.js';
import { withRequestId } from '../log/request-scope.js';
import { httpServerSpans } from '../tracing/index.js';
import { serveMetrics } from '../metrics/scrape.js';
import { sources } from '../metrics/metrics.js';
import type { Services } from './services.js';

export interface ApiServer {
  url: string;
  /** The web console's address (`/`), or undefined when it was not built. */
  consoleUrl?: string;
  port: number;
  httpServer: HttpServer;
  /** Stops taking requests, finishes those in flight, closes sockets. */
  close(): Promise<void>;
}

const MAX_BODY = '8mb';

export async function startApiServer(services: Services): Promise<ApiServer> {
  const { config, logger } = services;
  const development = config.nodeEnv === 'development';
  const schema = await buildAppSchema();
  const { feed, live, output, stop: stopLive } = await services.jobs.startLive();
  services.domain.live = live;
  services.domain.output = output;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const formatError = createErrorFormatter({ development, logger, maxTokens: config.api.maxTokens });
  const ws = attachGraphQLWs(httpServer, schema, services, formatError);
  registerMetricSources(services);
  sources.wsConnections = () => ws.connectionCount();
  sources.wsUnsentBytes = () => ws.unsentBytes();
  sources.subscriptions = () => ws.subscriptionCount();
  sources.eventFeedSubscriptions = () => feed.subscriberCount;
  // Closes every WebSocket with 1001 Going Away (which ends its subscriptions), then stops
  // the feed; once. In this order a client never gets `complete` for a job that has not
  // finished (jobEvents completes only after the terminal event): it gets 1001, the
  // signal to resubscribe, with afterSequence, on another API process.
  let liveDrain: Promise<void> | null = null;
  const drainLive = (): Promise<void> => (liveDrain ??= ws.dispose().then(stopLive));

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.api.introspection,
    validationRules: queryLimitRules(config.api),
    parseOptions: parseOptions(config.api),
    // main.ts owns SIGTERM: it drains the worker too, then exits 0.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: development,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      // For apollo.stop() called directly; close() has drained the WebSockets already.
      { serverWillStart: async () => ({ drainServer: drainLive }) },
      limitsPlugin(),
      ...(development ? [] : [ApolloServerPluginLandingPageDisabled()]),
    ],
  });
  await apollo.start();
  const unauthenticated = new UnauthenticatedLimit(config.api.unauthenticatedPerMinute);
  // Ended rate-limit windows are deleted once a minute (no TTL index on FerretDB).
  services.rateLimiter.startSweeping((err) => logger.warn({ err }, 'deleting ended rate-limit windows failed'));

  // Every request gets an id: the caller's x-request-id when it sends a sane one, else a new one.
  app.use((req, res, next) => {
    res.locals.startedAt = Date.now();
    res.locals.requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', res.locals.requestId as string);
    withRequestId(res.locals.requestId as string, next);
  });
  app.get('/metrics', (req, res) => {
    void serveMetrics(req, res, config.metrics.token);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const up = await pingMongo(services.db);
    res.status(up ? 200 : 503).json({ status: up ? 'ready' : 'unavailable', database: up ? 'up' : 'down' });
  });
  // A span per GraphQL request, continuing the caller's traceparent (only when tracing is on).
  if (config.tracing.enabled) app.use('/graphql', httpServerSpans('/graphql'));
  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GraphQLContext> => {
        // The deadline counts from the request's arrival: authentication and the rate limit are inside it.
        const request = new RequestBudget(config.api.requestTimeoutMs, config.api.maxResponseBytes, res.locals.startedAt as number);
        // An abandoned request stops at its next field; a finished one drops its timer.
        res.once('close', () => {
          if (!res.writableFinished) request.abandon();
          request.finish();
        });
        try {
          const caller = await request.within(authenticateRequest(services, unauthenticated, req.ip ?? 'unknown', req.headers.authorization));
          await request.within(limitRequest(services, caller));
          return { ...caller, services: services.domain, request, requestId: res.locals.requestId as string };
        } catch (err) {
          throw withTimeoutStatus(err);
        }
      },
    }),
  );
  // Uploads: the multipart body is streamed into storage by the files domain, never parsed here.
  app.post('/files', filesRoute(services, unauthenticated));
  app.use(bodyErrorHandler);
  // Review callback URLs: their signed token is the authority (no API key).
  app.use(reviewCallbackRouter(services, unauthenticated, MAX_BODY));
  // Last, so that /graphql and the probes never fall through to a file.
  const consoleFiles = consoleRouter();
  if (consoleFiles) app.use('/', consoleFiles);

  await new Promise<void>((ok, fail) => {
    httpServer.once('error', fail);
    httpServer.listen(config.port, config.host, () => ok());
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // Review links made in this process name the address it listens on (unless PUBLIC_URL says otherwise).
  services.jobs.usePublicUrl(`http://${host}:${port}`);
  return {
    url: `http://${host}:${port}/graphql`,
    ...(consoleFiles ? { consoleUrl: `http://${host}:${port}/` } : {}),
    port,
    httpServer,
    // The WebSockets are drained before Apollo's: its HTTP drain (run in parallel with
    // the other drainServer hooks) ends every socket without a request in flight, which
    // includes upgraded WebSocket sockets, so a client could see 1006 (abnormal closure)
    // instead of its subscriptions completing or a 1001 close, whenever an event poll
    // was in flight when SIGTERM came.
    close: async () => {
      services.rateLimiter.stop();
      await drainLive();
      await apollo.stop();
    },
  };
}

/**
 * The caller of an HTTP request. An address that keeps sending no valid key is refused
 * (UNAUTHENTICATED_RATE_LIMIT, 429) before its key is looked up.
 */
async function authenticateRequest(services: Services, limit: UnauthenticatedLimit, address: string, header: string | undefined) {
  try {
    limit.assertAllowed(address);
  } catch (err) {
    throw rateLimitedGraphQLError(err as RateLimitedError);
  }
  try {
    return await services.accessTokens.authenticate(header);
  } catch (err) {
    if (err instanceof AppError) {
      if (err.code === ErrorCode.UNAUTHENTICATED) limit.noteFailure(address);
      throw new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 401 } } });
    }
    throw err;
  }
}

/** A deadline passed during authentication or the rate limit: 504, nothing was done. */
function withTimeoutStatus(err: unknown): unknown {
  if (!(err instanceof GraphQLError) || err.extensions.code !== ErrorCode.TIMEOUT) return err;
  return new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status: 504 } } });
}

function rateLimitedGraphQLError(err: RateLimitedError): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: { ...err.extensions, http: { status: 429, headers: new Map([['retry-after', String(err.retryAfter)]]) } },
  });
}

/** API_RATE_LIMIT (and ACCESS_TOKEN_RATE_LIMIT for a token): 429 with Retry-After before any work is done. */
async function limitRequest(services: Services, caller: Caller): Promise<void> {
  try {
    await services.rateLimiter.takeRequest(caller.tenant._id, caller.access);
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    throw rateLimitedGraphQLError(err);
  }
}

/** Turns body-parser failures (too large, malformed JSON) into GraphQL-shaped errors. */
function bodyErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') {
    res.status(413).json({ errors: [{ message: `request body is larger than ${MAX_BODY}`, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE } }] });
    return;
  }
  if (e?.type === 'entity.parse.failed') {
    res.status(400).json({ errors: [{ message: 'request body is not valid JSON', extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
    return;
  }
  next(err);
}
