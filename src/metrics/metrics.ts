/**
 * Every Prometheus metric of the service, defined once on one registry per process. Labels
 * are bounded sets only (kind, status, model, outcome): never a job, tenant or endpoint id.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const P = 'aijobs_';
const registers = [registry];
/** Seconds: from a fast step to a long-running job. */
const LONG_BUCKETS = [0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const SHORT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

// Jobs
export const jobsSubmitted = new Counter({ name: `${P}jobs_submitted_total`, help: 'Jobs accepted by submitJob/submitBatch', labelNames: ['kind'], registers });
export const jobsStarted = new Counter({ name: `${P}jobs_started_total`, help: 'Jobs that started their first attempt', labelNames: ['kind'], registers });
export const jobAttempts = new Counter({ name: `${P}job_attempts_total`, help: 'Attempts begun (first runs and retries)', labelNames: ['kind'], registers });
export const jobRetries = new Counter({ name: `${P}job_retries_total`, help: 'Retries scheduled after a retryable failure', labelNames: ['kind'], registers });
export const jobsFinished = new Counter({ name: `${P}jobs_finished_total`, help: 'Jobs that reached a terminal status', labelNames: ['kind', 'status'], registers });
export const jobWaitSeconds = new Histogram({ name: `${P}job_wait_seconds`, help: 'Submission to first start', labelNames: ['kind'], buckets: LONG_BUCKETS, registers });
export const jobRunSeconds = new Histogram({ name: `${P}job_run_seconds`, help: 'First start to terminal status', labelNames: ['kind', 'status'], buckets: LONG_BUCKETS, registers });
export const jobsStranded = new Counter({ name: `${P}jobs_stranded_total`, help: 'Jobs whose run was lost, woken again by the lost-work sweep', registers });
export const queueDepth = new Gauge({
  name: `${P}job_queue_depth`,
  help: 'Unfinished jobs by state: due (waiting for a worker), scheduled (a later retry), running (leased), waiting (parked: a review, a start time)',
  labelNames: ['state'],
  registers,
  async collect() {
    const depth = await sources.queueDepth?.();
    if (!depth) return;
    for (const [state, n] of Object.entries(depth)) this.set({ state }, n);
  },
});

// AI
export const aiCalls = new Counter({ name: `${P}ai_calls_total`, help: 'AI calls by outcome (OK or the AiError code)', labelNames: ['provider', 'model', 'outcome'], registers });
export const aiCallSeconds = new Histogram({ name: `${P}ai_call_seconds`, help: 'AI call latency, retries within the call included', labelNames: ['provider', 'model'], buckets: SHORT_BUCKETS, registers });
export const aiTokens = new Counter({ name: `${P}ai_tokens_total`, help: 'Tokens by direction (in = prompt, out = completion)', labelNames: ['model', 'direction'], registers });
export const aiCostUsd = new Counter({ name: `${P}ai_cost_usd_total`, help: 'Spend in USD at the configured prices', labelNames: ['model'], registers });
export const aiCachedPromptTokens = new Counter({
  name: `${P}ai_cached_prompt_tokens_total`,
  help: "Prompt tokens the provider served from its prompt cache (part of ai_tokens_total{direction=\"in\"}), billed at the cached-input rate",
  labelNames: ['model'],
  registers,
});
export const aiBatchLines = new Counter({
  name: `${P}ai_batch_lines_total`,
  help: "Lines of the provider's Batch API read back, by outcome: answered, failed (sent again or failing the step, by the AI error policy) or unanswered (made at once instead)",
  labelNames: ['model', 'outcome'],
  registers,
});
export const aiResponseCache = new Counter({
  name: `${P}ai_response_cache_total`,
  help: 'Response-cache lookups of jobs that asked for it: hit (answer reused at no cost) or miss (the provider was called)',
  labelNames: ['outcome'],
  registers,
});

// Webhooks
export const WEBHOOK_OUTCOMES = ['2xx', '4xx', '5xx', 'redirect', 'timeout', 'refused', 'aborted', 'error'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
export const webhookAttempts = new Counter({ name: `${P}webhook_attempts_total`, help: 'Delivery attempts by outcome', labelNames: ['outcome'], registers });
export const webhookAttemptSeconds = new Histogram({ name: `${P}webhook_attempt_seconds`, help: 'Delivery attempt latency', labelNames: ['outcome'], buckets: SHORT_BUCKETS, registers });
export const webhookDeliveriesFailed = new Counter({ name: `${P}webhook_deliveries_failed_total`, help: 'Deliveries that failed for good', registers });
export const webhookDeliveriesPending = new Gauge({
  name: `${P}webhook_deliveries_pending`,
  help: 'Deliveries waiting for an attempt (reported only where a cheap source is registered)',
  registers,
  async collect() {
    const n = await sources.webhookDeliveriesPending?.();
    if (n !== undefined && n !== null) this.set(n);
  },
});
export const webhookEndpointsDisabled = new Counter({ name: `${P}webhook_endpoints_disabled_total`, help: 'Endpoints disabled (410 Gone or failing too long)', registers });

// Live
export const wsConnections = new Gauge({
  name: `${P}ws_connections`,
  help: 'Open WebSocket connections',
  registers,
  collect() {
    if (sources.wsConnections) this.set(sources.wsConnections());
  },
});
export const subscriptions = new Gauge({
  name: `${P}subscriptions`,
  help: 'Open GraphQL subscriptions',
  registers,
  collect() {
    if (sources.subscriptions) this.set(sources.subscriptions());
  },
});
export const eventFeedSubscriptions = new Gauge({
  name: `${P}event_feed_subscriptions`,
  help: "Subscriptions to the process's event feed (caught-up GraphQL subscriptions of one shape share one)",
  registers,
  collect() {
    if (sources.eventFeedSubscriptions) this.set(sources.eventFeedSubscriptions());
  },
});
export const eventFeedLagSeconds = new Histogram({ name: `${P}event_feed_lag_seconds`, help: 'Event stored to read by the feed', buckets: SHORT_BUCKETS, registers });
export const slowConsumersDropped = new Counter({ name: `${P}slow_consumers_dropped_total`, help: 'Subscribers ended for falling too far behind', registers });
export const subscriptionPayloadsBuilt = new Counter({
  name: `${P}subscription_payloads_built_total`,
  help: 'Subscription payloads executed and serialised: once per item per subscription shape, however many subscriptions share it',
  labelNames: ['field'],
  registers,
});
export const subscriptionFramesSent = new Counter({
  name: `${P}subscription_frames_sent_total`,
  help: 'Subscription next messages written to sockets (frames_sent / payloads_built is the sharing)',
  labelNames: ['field'],
  registers,
});
export const wsUnsentBytes = new Gauge({
  name: `${P}ws_unsent_bytes`,
  help: 'Bytes held by open WebSockets, not yet sent (each at most WS_SEND_BUFFER_BYTES and about two messages per subscription)',
  registers,
  collect() {
    if (sources.wsUnsentBytes) this.set(sources.wsUnsentBytes());
  },
});
export const slowSocketsClosed = new Counter({ name: `${P}ws_slow_sockets_closed_total`, help: 'WebSockets closed (1013) for holding more than WS_SEND_BUFFER_BYTES unsent', registers });

// Database
export const dbCommands = new Counter({
  name: `${P}db_commands_total`,
  help: 'Commands this process sent to the database (each a round trip the server runs), by command name and collection (empty for commands on no collection)',
  labelNames: ['command', 'collection'],
  registers,
});

// Process
export const dbPingSeconds = new Gauge({
  name: `${P}db_ping_seconds`,
  help: 'Database ping latency at the last scrape (-1: no answer)',
  registers,
  async collect() {
    if (sources.dbPing) this.set(await sources.dbPing());
  },
});

/** Values read at scrape time, supplied by whoever owns them in this process. */
export interface MetricSources {
  queueDepth?: () => Promise<Record<string, number> | null>;
  wsConnections?: () => number;
  wsUnsentBytes?: () => number;
  subscriptions?: () => number;
  eventFeedSubscriptions?: () => number;
  /**
   * Pending webhook deliveries. Unset until deliveries have a collection of live work only:
   * counting PENDING in the delivery history would read all of it on FerretDB.
   */
  webhookDeliveriesPending?: () => Promise<number | null>;
  /** Seconds, or -1 when the database did not answer. */
  dbPing?: () => Promise<number>;
}
export const sources: MetricSources = {};

/** The outcome label of one webhook attempt, from its status code and failure sentence. */
export function webhookOutcomeOf(statusCode: number | null, error: string | null): WebhookOutcome {
  if (statusCode !== null) {
    if (statusCode >= 200 && statusCode < 300) return '2xx';
    if (statusCode >= 300 && statusCode < 400) return 'redirect';
    if (statusCode >= 400 && statusCode < 500) return '4xx';
    return '5xx';
  }
  if (error === null) return 'error';
  if (error.startsWith('timeout')) return 'timeout';
  if (error.startsWith('blocked address') || error === 'connection refused') return 'refused';
  if (error === 'aborted') return 'aborted';
  return 'error';
}

/** A cached async value: at most one computation per `ttlMs`, so scrapes stay cheap. */
export function cached<T>(ttlMs: number, compute: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | null = null;
  return () => {
    const now = Date.now();
    if (value === null || now - at >= ttlMs) {
      at = now;
      value = compute().catch((err: unknown) => {
        at = 0;
        throw err;
      });
    }
    return value;
  };
}
