/**
 * createJobsClient: the typed client of the service's public GraphQL API. Requests go
 * over HTTP POST; live views share one graphql-ws connection, opened while something
 * is watched and closed when nothing is. Works in browsers and in Node (pass `ws`'s
 * WebSocket as webSocketImpl there).
 */
import { createClient, type Client as WsClient } from 'graphql-ws/client';
import { ClientError, type GraphQLErrorShape } from './client-error.js';
import { BATCH_FIELDS, JOB_FIELDS } from './fields.js';
import { liveSubscription, type LiveHandlers, type ReconnectOptions, type Stoppable } from './live-subscription.js';
import type { AnalyzeDocumentsInput, Batch, ConnectionState, Job, ReviewJobInput, SubmitJobInput } from './types.js';
import { watchBatchOn, watchJobOn, type BatchWatchHandlers, type BatchWatchOptions, type JobWatch, type JobWatchHandlers, type JobWatchOptions } from './watch.js';

export interface JobsClientOptions {
  /** The GraphQL endpoint, e.g. https://jobs.example.com/graphql (WebSocket: same URL, ws/wss). */
  url: string;
  /** An API key (server side) or a scoped access token (browsers); a function is asked on each connect. */
  token: string | (() => string | Promise<string>);
  /** A WebSocket constructor where there is no global one (Node: `import WebSocket from 'ws'`). */
  webSocketImpl?: unknown;
  /** How long one HTTP request may take. @defaultValue 30000 (ms) */
  requestTimeoutMs?: number;
  /** Resubscription after a dropped connection, for every watch of this client. */
  reconnect?: ReconnectOptions;
}

export interface JobsClient {
  /** Any query or mutation; throws ClientError (code, path) on a GraphQL or network error. */
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  submitJob(input: SubmitJobInput): Promise<Job>;
  analyzeDocuments(input: AnalyzeDocumentsInput): Promise<Batch>;
  /** Answers a step's review: APPROVE, EDIT (with output) or REJECT; a second answer is a CONFLICT. */
  reviewJob(input: ReviewJobInput): Promise<Job>;
  watchJob<E extends { sequence: number }>(jobId: string, handlers: JobWatchHandlers<E>, options?: JobWatchOptions): JobWatch;
  watchBatch<B>(batchId: string, handlers: BatchWatchHandlers<B>, options?: BatchWatchOptions): Stoppable;
  /** Any subscription, subscribed again (same variables) after a drop. */
  subscribe<T>(query: string, variables: Record<string, unknown>, handlers: LiveHandlers<T>): Stoppable;
  /** The live connection's state now; listeners hear every change. Returns an unlisten. */
  connectionState(): ConnectionState;
  onConnectionState(listener: (state: ConnectionState) => void): () => void;
  /** Closes the connection and ends every watch. */
  dispose(): Promise<void>;
}

export function createJobsClient(options: JobsClientOptions): JobsClient {
  const token = typeof options.token === 'function' ? options.token : () => options.token as string;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const listeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'idle';
  let active = 0;
  let everConnected = false;
  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    listeners.forEach((l) => l(next));
  };

  const ws: WsClient = createClient({
    url: options.url.replace(/^http/, 'ws'),
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
    connectionParams: async () => ({ authorization: `Bearer ${await token()}` }),
    // Resubscribing is ours (liveSubscription), with each watch's own resume point.
    retryAttempts: 0,
    lazy: true,
    on: {
      connecting: () => setState(everConnected ? 'reconnecting' : 'connecting'),
      connected: () => {
        everConnected = true;
        setState('live');
      },
      closed: () => setState(active > 0 ? 'reconnecting' : 'idle'),
    },
  });
  const track = (on: boolean) => {
    active += on ? 1 : -1;
    if (active === 0 && state !== 'live') setState('idle');
  };

  async function request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ClientError(err instanceof Error ? err.message : 'request failed', 'NETWORK');
    }
    let body: { data?: T | null; errors?: GraphQLErrorShape[] };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new ClientError(`HTTP ${res.status} without a GraphQL answer`, res.status >= 500 ? 'NETWORK' : 'INTERNAL_SERVER_ERROR');
    }
    if (body.errors?.length) throw ClientError.from(body.errors);
    if (!body.data) throw new ClientError(`HTTP ${res.status} without data`, 'INTERNAL_SERVER_ERROR');
    return body.data;
  }

  return {
    request,
    async submitJob(input) {
      const data = await request<{ submitJob: Job }>(`mutation($input: SubmitJobInput!) { submitJob(input: $input) { ${JOB_FIELDS} } }`, { input });
      return data.submitJob;
    },
    async analyzeDocuments(input) {
      const data = await request<{ analyzeDocuments: Batch }>(
        `mutation($input: AnalyzeDocumentsInput!) { analyzeDocuments(input: $input) { ${BATCH_FIELDS} } }`,
        { input },
      );
      return data.analyzeDocuments;
    },
    async reviewJob(input) {
      const data = await request<{ reviewJob: Job }>(`mutation($input: ReviewJobInput!) { reviewJob(input: $input) { ${JOB_FIELDS} } }`, { input });
      return data.reviewJob;
    },
    watchJob: (jobId, handlers, opts) => watchJobOn(ws, jobId, handlers, { ...options.reconnect, ...opts }, track),
    watchBatch: (batchId, handlers, opts) => watchBatchOn(ws, batchId, handlers, { ...options.reconnect, ...opts }, track),
    subscribe: (query, variables, handlers) => liveSubscription(ws, () => ({ query, variables }), handlers, options.reconnect, track),
    connectionState: () => state,
    onConnectionState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: async () => {
      listeners.clear();
      await ws.dispose();
    },
  };
}
