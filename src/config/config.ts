/**
 * The service's configuration: every environment variable, its default and its check,
 * loaded once at start into one frozen, typed object.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { type AiControlConfig, readAiControl } from './ai-control-config.js';
import {
  ConfigError,
  type Env,
  readBool,
  readDuration,
  readDurationList,
  readEnum,
  readInt,
  readJson,
  readOptional,
  readString,
  readUrl,
} from './parse.js';
import { readAccessTokens, type AccessTokenConfig } from './access-token-config.js';
import { readApiLimits, type ApiLimits } from './api-limits.js';
import { readFilesConfig, type FilesConfig } from './files-config.js';
import { readTracing, type TracingConfig } from './tracing-config.js';
import { readMcpConfig, type McpConfig } from './mcp-config.js';
import { readBatchConfig, type BatchConfig } from './batch-config.js';
import { DEFAULT_PRICES, isPriceTable, type PriceTable } from './price-table.js';

export { DEFAULT_PRICES, type ModelPrice, type PriceTable } from './price-table.js';
export type { BatchConfig } from './batch-config.js';

export const ROLES = ['api', 'worker', 'all'] as const;
export type Role = (typeof ROLES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type AiProviderName = 'openai' | 'offline';

/** Known context windows (tokens); AI_CONTEXT_TOKENS overrides, else 8192. */
export const KNOWN_CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  'gpt-4o-mini': 128_000,
  'gpt-4o': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-4.1-mini': 1_047_576,
  'gpt-4.1-nano': 1_047_576,
  'gpt-3.5-turbo': 16_385,
};

export interface Config {
  nodeEnv: string;
  role: Role;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Unset: the embedded/local server is started (see src/db/local-server). */
  mongodbUri: string | undefined;
  dataDir: string;
  /** How long SIGTERM waits for in-flight work before giving up. */
  shutdownTimeoutMs: number;
  /**
   * PUBLIC_URL: the API's address as others reach it, the base of review callback URLs (made
   * by workers too). Unset: the address the API listens on when it runs in the same process,
   * else `http://HOST:PORT`. @defaultValue unset
   */
  publicUrl: string | undefined;

  metrics: {
    /** A worker's port for /metrics, /healthz and /readyz; unset: a worker listens on nothing. */
    port: number | undefined;
    /** When set, reading /metrics needs `Authorization: Bearer <token>`. */
    token: string | undefined;
  };

  ai: {
    provider: AiProviderName;
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    timeoutMs: number;
    contextTokens: number;
    /** Tries of one AI call for retryable errors, the first included. */
    maxCallAttempts: number;
    prices: PriceTable;
    /** AI_CACHE_TTL: how long a stored answer serves identical calls of jobs that ask for the response cache. */
    cacheTtlMs: number;
    /** The Batch API path of executionMode BATCH (src/config/batch-config.ts). */
    batch: BatchConfig;
  };

  /** Models jobs may ask for, shared rate limits, tenant fairness, output streaming. */
  aiControl: AiControlConfig;

  jobs: {
    timeoutMs: number;
    concurrency: number;
    /** A worker's claim on a running job expires this long after its last heartbeat. */
    leaseMs: number;
    /** How long a worker retries a write the database does not answer before giving the job up to a resume. */
    dbRetryMs: number;
    /** The limit of one agent tool call (ctx.agent); past it the call is aborted and the model told. */
    agentToolTimeoutMs: number;
    /** How often a worker looks for due jobs. */
    pollMs: number;
    /**
     * Wake-ups handed to Agenda and not yet taken, at most (JOB_ADMISSION_WINDOW); the
     * rest wait in the backlog, which costs nothing per pick. @default 2 × WORKER_CONCURRENCY
     */
    admissionWindow: number;
    /** Base delay before a whole-job retry; doubles per attempt, with jitter. */
    retryDelayMs: number;
    /** RUN_AT_MAX_AHEAD: how far ahead a submission's start time (`runAt`) may be. @default 366d */
    maxRunAtAheadMs: number;
    /** SCHEDULES_MAX_PER_TENANT: recurring schedules one tenant may have; past it createSchedule is RATE_LIMITED. @default 100 */
    maxSchedulesPerTenant: number;
    defaultMaxAttempts: number;
    /**
     * JOB_KINDS_MODULE, resolved from the working directory: an ES module whose default export
     * is an array of the operator's own kind definitions; unset: the built-in kinds only.
     */
    kindsModule: string | undefined;
    limits: {
      maxDocumentBytes: number;
      maxBatchDocuments: number;
      maxChainSteps: number;
      maxJsonDepth: number;
      maxInputBytes: number;
    };
  };

  /** The API's protective limits (src/config/api-limits.ts). */
  api: ApiLimits;

  events: {
    /** How often an API process polls for new events where change streams are absent. */
    pollMs: number;
    maxSubscriptionsPerConnection: number;
    /** Events buffered for one slow subscriber before it is disconnected. */
    subscriberBuffer: number;
    /**
     * Bytes one WebSocket may hold not yet sent (WS_SEND_BUFFER_BYTES): a socket still past it
     * when live messages are due is closed with 1013 (its client resumes), and a replay waits
     * for its socket to come under it. @default 4194304
     */
    sendBufferBytes: number;
    /**
     * How long a subscription replaying stored events waits for its socket to come down to
     * WS_SEND_BUFFER_BYTES before the socket is closed with 1013 (WS_SEND_TIMEOUT). @default 30s
     */
    sendTimeoutMs: number;
    keepAliveMs: number;
    /** Most events the live feed (job_event_feed, capped) keeps. */
    feedMaxEvents: number;
    /** Most bytes the live feed keeps. */
    feedMaxBytes: number;
    /** A jobEvents stream idle this long checks the store for an event the feed missed. */
    idleCheckMs: number;
  };

  /** Scoped access tokens (createAccessToken): src/config/access-token-config.ts. */
  accessTokens: AccessTokenConfig;

  webhooks: {
    retrySchedule: number[];
    timeoutMs: number;
    allowPrivateUrls: boolean;
    disableAfterMs: number;
    maxPayloadBytes: number;
    secretGraceMs: number;
    /** Retry-After is honoured up to this long. */
    maxRetryAfterMs: number;
    /**
     * Attempts one dispatcher has in flight at once (WEBHOOK_CONCURRENCY). Each is a socket
     * and a few kilobytes; a receiver that never answers holds its slots until the timeout.
     * @default 64
     */
    concurrency: number;
    /**
     * Attempts in flight at once to one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY): a receiver
     * that hangs holds at most this many slots, and a healthy one gets at most this many
     * requests at once (which bounds one endpoint's rate to this many per round trip).
     * @default 8
     */
    perEndpointConcurrency: number;
    /**
     * Attempts in flight at once for one tenant's endpoints together
     * (WEBHOOK_TENANT_CONCURRENCY), at most WEBHOOK_CONCURRENCY: one tenant's receivers that
     * never answer hold at most this share, and the rest stays free for the other tenants.
     * At least two endpoints' worth by default, so that one dead endpoint of a tenant leaves
     * room for its others.
     * @default a quarter of WEBHOOK_CONCURRENCY, at least 2 × WEBHOOK_ENDPOINT_CONCURRENCY, at most WEBHOOK_CONCURRENCY (16 with the defaults)
     */
    perTenantConcurrency: number;
    /**
     * How often the dispatcher looks for due deliveries when nothing woke it (WEBHOOK_POLL_INTERVAL).
     * @default 500ms
     */
    pollMs: number;
    /**
     * WEBHOOK_SECRET_KEY: endpoint secrets are encrypted at rest with it (AES-256-GCM, see
     * src/webhooks/secret-box). Required with MONGODB_URI unless NODE_ENV=development/test;
     * without MONGODB_URI, `npm start` generates one into DATA_DIR (local-secret-key.ts).
     * A KeyObject, not bytes or a string, so that logging or serialising the config can never
     * print it. @default unset
     */
    secretKey: KeyObject | undefined;
  };

  /** OpenTelemetry traces (src/config/tracing-config.ts, src/tracing). */
  tracing: TracingConfig;

  /** MCP servers whose tools the `agent` kind offers (src/config/mcp-config.ts). */
  mcp: McpConfig;
  /** Uploads and file references in jobs (src/config/files-config.ts, src/files). */
  files: FilesConfig;

  /** The retention sweep (worker role): see src/retention. */
  retention: {
    /** EVENT_RETENTION: events and webhook attempts of finished work are kept this long. */
    eventsMs: number;
    /** JOB_RETENTION: finished jobs, batches and deliveries are kept this long; 0 = forever. */
    jobsMs: number;
    /** RETENTION_SWEEP_INTERVAL: how often the sweep looks for work. */
    intervalMs: number;
    /** RETENTION_BATCH: finished jobs swept per batch. */
    batchSize: number;
    /** RETENTION_PAUSE: the pause between batches, so the hot paths get the database. */
    pauseMs: number;
  };
}

/** NODE_ENV values under which a remote database may hold endpoint secrets in plain text. */
export const PLAINTEXT_SECRETS_ALLOWED: readonly string[] = ['development', 'test'];

/** Reads every setting once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const apiKey = readOptional(env, 'OPENAI_API_KEY');
  const model = readString(env, 'OPENAI_MODEL', 'gpt-4o-mini');
  const provider = readEnum<AiProviderName>(env, 'AI_PROVIDER', ['openai', 'offline'], apiKey ? 'openai' : 'offline');
  if (provider === 'openai' && !apiKey && !readOptional(env, 'OPENAI_BASE_URL')) {
    throw new ConfigError('AI_PROVIDER', 'openai', 'OPENAI_API_KEY (or OPENAI_BASE_URL) to be set as well');
  }
  const prices: PriceTable = { ...DEFAULT_PRICES, ...readJson(env, 'AI_PRICES', {}, isPriceTable, 'JSON such as {"my-model":{"input":0.5,"cachedInput":0.25,"output":1.5,"flex":{"input":0.25,"output":0.75},"batch":{"input":0.25,"output":0.75}}} (USD per million tokens; cachedInput, flex and batch optional)') };
  const concurrency = readInt(env, 'WORKER_CONCURRENCY', 4, 1, 1000);
  const retrySchedule = readDurationList(env, 'WEBHOOK_RETRY_SCHEDULE', '0s,5s,5m,30m,2h,5h,10h,10h');
  const webhookConcurrency = readInt(env, 'WEBHOOK_CONCURRENCY', 64, 1, 10_000);
  const webhookEndpointConcurrency = readInt(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 8, 1, 1000);
  const nodeEnv = readString(env, 'NODE_ENV', 'production');
  const aiControl = readAiControl(env, { model, priced: Object.keys(prices), concurrency });
  const defaultMaxAttempts = readInt(env, 'JOB_DEFAULT_MAX_ATTEMPTS', 3, 1, 100);
  const config: Config = {
    nodeEnv,
    role: readEnum(env, 'ROLE', ROLES, 'all'),
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readInt(env, 'PORT', 4000, 0, 65535),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    mongodbUri: readUrl(env, 'MONGODB_URI'),
    dataDir: readString(env, 'DATA_DIR', './.data'),
    shutdownTimeoutMs: readDuration(env, 'SHUTDOWN_TIMEOUT', '30s'),
    publicUrl: readUrl(env, 'PUBLIC_URL'),
    metrics: {
      port: readOptional(env, 'METRICS_PORT') === undefined ? undefined : readInt(env, 'METRICS_PORT', 0, 0, 65535),
      token: readOptional(env, 'METRICS_TOKEN'),
    },
    ai: {
      provider,
      apiKey,
      baseUrl: readUrl(env, 'OPENAI_BASE_URL'),
      model,
      timeoutMs: readInt(env, 'AI_TIMEOUT_MS', 60_000, 1, 3_600_000),
      contextTokens: readInt(env, 'AI_CONTEXT_TOKENS', KNOWN_CONTEXT_WINDOWS[model] ?? 8192, 256, 10_000_000),
      maxCallAttempts: readInt(env, 'AI_MAX_CALL_ATTEMPTS', 4, 1, 20),
      prices,
      cacheTtlMs: readDuration(env, 'AI_CACHE_TTL', '24h'),
      batch: readBatchConfig(env, provider === 'offline'),
    },
    aiControl,
    jobs: {
      timeoutMs: readInt(env, 'JOB_TIMEOUT_MS', 1_800_000, 1000, 7 * 86_400_000),
      concurrency,
      leaseMs: readDuration(env, 'JOB_LEASE', '30s'),
      pollMs: readDuration(env, 'JOB_POLL_INTERVAL', '500ms'),
      admissionWindow: readInt(env, 'JOB_ADMISSION_WINDOW', 2 * concurrency, 1, 100_000),
      retryDelayMs: readDuration(env, 'JOB_RETRY_DELAY', '10s'),
      maxRunAtAheadMs: readDuration(env, 'RUN_AT_MAX_AHEAD', '366d'),
      maxSchedulesPerTenant: readInt(env, 'SCHEDULES_MAX_PER_TENANT', 100, 1, 100_000),
      dbRetryMs: readDuration(env, 'JOB_DB_RETRY', '60s'),
      agentToolTimeoutMs: readDuration(env, 'AGENT_TOOL_TIMEOUT', '60s'),
      defaultMaxAttempts,
      kindsModule: readKindsModule(env),
      limits: {
        maxDocumentBytes: readInt(env, 'MAX_DOCUMENT_BYTES', 2_000_000, 1, 100_000_000),
        maxBatchDocuments: readInt(env, 'MAX_BATCH_DOCUMENTS', 500, 1, 100_000),
        maxChainSteps: readInt(env, 'MAX_CHAIN_STEPS', 50, 1, 1000),
        maxJsonDepth: readInt(env, 'MAX_JSON_DEPTH', 32, 2, 1000),
        maxInputBytes: readInt(env, 'MAX_INPUT_BYTES', 4_000_000, 1, 100_000_000),
      },
    },
    api: readApiLimits(env, nodeEnv),
    events: {
      pollMs: readDuration(env, 'EVENT_POLL_INTERVAL', '150ms'),
      maxSubscriptionsPerConnection: readInt(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
      subscriberBuffer: readInt(env, 'SUBSCRIBER_BUFFER', 1000, 1, 1_000_000),
      sendBufferBytes: readInt(env, 'WS_SEND_BUFFER_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      sendTimeoutMs: readDuration(env, 'WS_SEND_TIMEOUT', '30s'),
      keepAliveMs: readDuration(env, 'WS_KEEPALIVE', '15s'),
      feedMaxEvents: readInt(env, 'EVENT_FEED_MAX_EVENTS', 10_000, 100, 10_000_000),
      feedMaxBytes: readInt(env, 'EVENT_FEED_MAX_BYTES', 33_554_432, 1_048_576, 17_179_869_184),
      idleCheckMs: readDuration(env, 'EVENT_IDLE_CHECK_INTERVAL', '5s'),
    },
    accessTokens: readAccessTokens(env, { models: aiControl.models, defaultModel: model, defaultMaxAttempts }),
    webhooks: {
      retrySchedule,
      timeoutMs: readInt(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 1, 600_000),
      allowPrivateUrls: readBool(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', false),
      disableAfterMs: readDuration(env, 'WEBHOOK_DISABLE_AFTER', '5d'),
      maxPayloadBytes: readInt(env, 'WEBHOOK_MAX_PAYLOAD_BYTES', 262_144, 1024, 100_000_000),
      secretGraceMs: readDuration(env, 'WEBHOOK_SECRET_GRACE', '24h'),
      maxRetryAfterMs: readDuration(env, 'WEBHOOK_MAX_RETRY_AFTER', '24h'),
      concurrency: webhookConcurrency,
      perEndpointConcurrency: webhookEndpointConcurrency,
      perTenantConcurrency: readInt(
        env,
        'WEBHOOK_TENANT_CONCURRENCY',
        Math.min(webhookConcurrency, Math.max(2 * webhookEndpointConcurrency, Math.floor(webhookConcurrency / 4))),
        1,
        webhookConcurrency,
      ),
      pollMs: readDuration(env, 'WEBHOOK_POLL_INTERVAL', '500ms'),
      secretKey: readSecretKey(env, 'WEBHOOK_SECRET_KEY'),
    },
    tracing: readTracing(env),
    mcp: readMcpConfig(env),
    files: readFilesConfig(env),
    retention: {
      eventsMs: readDuration(env, 'EVENT_RETENTION', '7d'),
      jobsMs: readString(env, 'JOB_RETENTION', '30d').trim() === '0' ? 0 : readDuration(env, 'JOB_RETENTION', '30d'),
      intervalMs: readDuration(env, 'RETENTION_SWEEP_INTERVAL', '1m'),
      batchSize: readInt(env, 'RETENTION_BATCH', 20, 1, 10_000),
      pauseMs: readDuration(env, 'RETENTION_PAUSE', '200ms'),
    },
  };
  // Endpoint secrets are never stored in plain text by default: a remote database needs the
  // key; a local one (no MONGODB_URI) gets one generated into DATA_DIR at start
  // (local-secret-key.ts); only development and test may go without.
  if (config.webhooks.secretKey === undefined && config.mongodbUri !== undefined && !PLAINTEXT_SECRETS_ALLOWED.includes(nodeEnv)) {
    throw new ConfigError(
      'WEBHOOK_SECRET_KEY',
      '',
      'to be set when MONGODB_URI is set, so that endpoint secrets are not stored in plain text (NODE_ENV=development or test goes without): base64 of 32 random bytes, e.g. `openssl rand -base64 32` (docker compose reads it from secrets.env)',
    );
  }
  return deepFreeze(config);
}

/** Strict base64 (standard alphabet, padded): Buffer.from would silently accept garbage. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SECRET_KEY_BYTES = 32;

/** A path, resolved now: a worker and an API started from the same directory load the same file. */
function readKindsModule(env: Env): string | undefined {
  const given = readOptional(env, 'JOB_KINDS_MODULE');
  return given === undefined ? undefined : resolve(given.trim());
}

/** WEBHOOK_SECRET_KEY: the key, or undefined when unset. */
function readSecretKey(env: Env, name: string): KeyObject | undefined {
  const raw = readOptional(env, name);
  return raw === undefined ? undefined : parseSecretKey(raw, name);
}

/**
 * An AES-256 key from base64 of exactly 32 bytes. A bad value is refused without echoing
 * it: it may be a real key in the wrong encoding. `source` names where it came from.
 */
export function parseSecretKey(raw: string, source: string): KeyObject {
  const encoded = raw.trim();
  const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (bytes === undefined || bytes.length !== SECRET_KEY_BYTES) {
    bytes?.fill(0);
    throw new ConfigError(source, `<redacted, ${raw.length} characters>`, 'base64 of 32 random bytes, e.g. `openssl rand -base64 32`');
  }
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
