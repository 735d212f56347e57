/**
 * The console's one client (from client/) and small hooks over it: a query that loads
 * on mount, and the live connection's state.
 */
import { createJobsClient, type ClientError, type ConnectionState, type JobsClient } from '../client/index.js';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';

export function newClient(key: string): JobsClient {
  return createJobsClient({ url: `${location.origin}/graphql`, token: key, reconnect: { minDelayMs: 300, maxDelayMs: 3_000 } });
}

export const ClientContext = createContext<JobsClient | null>(null);

export function useClient(): JobsClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('no client: not signed in');
  return client;
}

export interface Loaded<T> {
  data: T | null;
  error: ClientError | null;
  loading: boolean;
  reload(): void;
  set(update: (old: T | null) => T | null): void;
}

/** Runs `query` when its variables change; `reload()` runs it again. */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}): Loaded<T> {
  const client = useClient();
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data: T | null; error: ClientError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    client.request<T>(query, JSON.parse(key) as Record<string, unknown>).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: ClientError) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [client, query, key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const set = useCallback((update: (old: T | null) => T | null) => setState((s) => ({ ...s, data: update(s.data) })), []);
  return { ...state, reload, set };
}

export function useConnectionState(): ConnectionState {
  const client = useClient();
  const [state, setState] = useState<ConnectionState>(client.connectionState());
  useEffect(() => client.onConnectionState(setState), [client]);
  return state;
}

/** Calls `onReconnected` each time the live connection comes back after a drop. */
export function useOnReconnect(onReconnected: () => void): void {
  const client = useClient();
  useEffect(() => {
    let dropped = false;
    return client.onConnectionState((s) => {
      if (s === 'reconnecting') dropped = true;
      if (s === 'live' && dropped) {
        dropped = false;
        onReconnected();
      }
    });
  }, [client, onReconnected]);
}
