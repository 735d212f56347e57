/**
 * One WebSocket client subscribed to `tenantJobEvents` for the whole run. It records,
 * for every event, its job, type, `at` (written by the worker) and when this client
 * received it; the client runs in the same process, on the same clock, as the server,
 * so receive − at needs no clock correction. It also tells which jobs have finished,
 * which lets the benchmark wait for completion without adding database load.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql, pool, waitFor } from './lib.mjs';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { id createdAt } }`;

/** A one-step `chain` job. */
export function chainInput(label) {
  return {
    kind: 'chain',
    input: { steps: [{ name: 'answer', prompt: 'Say hello to {{variables.who}} in one sentence.' }], variables: { who: `bench ${label}` } },
  };
}

export function watchTenantEvents(url, key, cleanup) {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  cleanup.add('WebSocket client', () => client.dispose());
  const events = [];
  const errors = [];
  /** jobId → its terminal event type, as seen over the WebSocket. */
  const finished = new Map();
  const watch = { events, errors, finished, ended: false, close: () => client.dispose() };
  client.subscribe(
    { query: 'subscription { tenantJobEvents { jobId type sequence at } }' },
    {
      next: (msg) => {
        const receivedMs = Date.now();
        if (msg.errors?.length) errors.push(...msg.errors.map((e) => e.message));
        const e = msg.data?.tenantJobEvents;
        if (!e) return;
        events.push({ jobId: e.jobId, type: e.type, atMs: Date.parse(e.at), receivedMs });
        if (TERMINAL.has(e.type)) finished.set(e.jobId, e.type);
      },
      error: (err) => {
        watch.ended = true;
        errors.push(err?.message ?? (err?.reason || `WebSocket closed (${err?.code ?? 'unknown'})`));
      },
      complete: () => {
        watch.ended = true;
      },
    },
  );
  return watch;
}

/** A few jobs first: warms the code paths up and proves that the subscription is live. */
export async function warmUp(url, key, watch, { count = 5, timeoutMs = 45_000 } = {}) {
  const ids = await pool(count, count, async (i) => (await gql(url, key, SUBMIT, { input: chainInput(`warm-up ${i}`) })).submitJob.id);
  await waitFor(
    'the warm-up jobs to finish, seen over the WebSocket',
    () => {
      if (watch.ended) throw new Error(`the subscription ended: ${watch.errors.join('; ')}`);
      return ids.every((id) => watch.finished.has(id));
    },
    { everyMs: 50, timeoutMs },
  );
  const failed = ids.filter((id) => watch.finished.get(id) !== 'SUCCEEDED');
  if (failed.length) throw new Error(`warm-up jobs did not succeed: ${failed.join(', ')}`);
}
