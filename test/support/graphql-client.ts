/**
 * Tiny GraphQL clients for tests: HTTP POST with fetch, and graphql-ws over a real
 * WebSocket. Both talk to a real server on 127.0.0.1.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; path?: Array<string | number> } & Record<string, unknown> }>;
}

export async function gql<T = any>(
  url: string,
  key: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T> & { status: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse<T>) };
}

/** Like gql, but fails the test on any GraphQL error and returns `data`. */
export async function gqlData<T = any>(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await gql<T>(url, key, query, variables);
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

export function wsClient(httpUrl: string, key: string | undefined, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
    ...extra,
  });
}

export interface Collected<T> {
  items: T[];
  errors: unknown[];
  done: Promise<void>;
  /** Resolves when `pred(items)` holds; rejects at the deadline. */
  until(pred: (items: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  unsubscribe(): void;
}

/** Subscribes and collects every `data[field]` until the server completes or errors. */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown>, field: string): Collected<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  const listeners = new Set<() => void>();
  let unsubscribe = () => {};
  const done = new Promise<void>((resolve) => {
    unsubscribe = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (msg) => {
          if (msg.errors) errors.push(...msg.errors);
          if (msg.data?.[field] !== undefined) items.push(msg.data[field] as T);
          listeners.forEach((l) => l());
        },
        error: (err) => {
          errors.push(err);
          listeners.forEach((l) => l());
          resolve();
        },
        complete: () => {
          listeners.forEach((l) => l());
          resolve();
        },
      },
    );
  });
  let finished = false;
  void done.then(() => (finished = true));
  return {
    items,
    errors,
    done,
    unsubscribe: () => unsubscribe(),
    until(pred, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pred(items)) {
            cleanup();
            resolve(items);
          } else if (finished) {
            cleanup();
            reject(new Error(`subscription ended before the condition held; got ${items.length} items, errors ${JSON.stringify(errors)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`condition not met within ${timeoutMs} ms; got ${items.length} items, errors ${JSON.stringify(errors)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

// The suites' bounded poll (eventually.ts), beside the GraphQL helpers it is mostly used with.
export { pollUntil } from './eventually.js';
