/**
 * Webhook endpoints: create (the secret is shown once, with a copy button), edit event
 * types, enable/disable, rotate, delete, send a test; each endpoint's deliveries with
 * their attempts, Redeliver, and recovery of failed deliveries since a time.
 */
import { useState } from 'preact/hooks';
import type { ClientError } from '../../client/index.js';
import { useClient, useQuery } from '../api.js';
import { ENDPOINTS, ENDPOINT_FIELDS } from '../queries.js';
import { ErrorNotice, Status } from '../ui/bits.js';
import { Time } from '../ui/time.js';
import { DeliveriesTable, type Delivery } from './deliveries-table.js';

const EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.cancelled', 'batch.completed', 'webhook.test'];

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  deliveries: { totalCount: number; edges: Array<{ node: Delivery }> };
}

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT_FIELDS} } }`;
const ROTATE = 'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret oldSecretExpiresAt } }';
const DELETE = 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }';
const TEST = 'mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id } }';
const RECOVER = 'mutation($id: ID!, $since: DateTime!) { recoverWebhookDeliveries(endpointId: $id, since: $since) { count } }';

function SecretOnce({ secret, onClose }: { secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="notice ok" role="status">
      <p>
        <strong>Signing secret — shown once.</strong> Store it now; it cannot be read again.
      </p>
      <div class="secret">
        <code data-testid="secret">{secret}</code>
        <button type="button" onClick={() => navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}

function EventTypes({ value, onChange, idPrefix }: { value: string[]; onChange: (v: string[]) => void; idPrefix: string }) {
  return (
    <fieldset style={{ border: 0, padding: 0 }}>
      <legend class="muted">Event types (none checked: all)</legend>
      <div class="row">
        {EVENT_TYPES.map((t) => (
          <label key={t} class="row" style={{ margin: 0, fontWeight: 400 }} for={`${idPrefix}-${t}`}>
            <input id={`${idPrefix}-${t}`} type="checkbox" checked={value.includes(t)} onChange={(e) => onChange(e.currentTarget.checked ? [...value, t] : value.filter((x) => x !== t))} />
            {t}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function EndpointCard({ ep, reload, showSecret }: { ep: Endpoint; reload: () => void; showSecret: (s: string) => void }) {
  const client = useClient();
  const [types, setTypes] = useState(ep.eventTypes.length === EVENT_TYPES.length ? [] : ep.eventTypes);
  // datetime-local speaks local time: an hour ago, shifted so that toISOString gives local digits.
  const [since, setSince] = useState(() => new Date(Date.now() - 3_600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<ClientError | null>(null);
  const run = async (fn: () => Promise<string | void>) => {
    setError(null);
    setNote(null);
    try {
      const text = await fn();
      if (text) setNote(text);
      reload();
    } catch (err) {
      setError(err as ClientError);
    }
  };
  return (
    <article class="card" style={{ marginBottom: '12px' }} data-endpoint-id={ep.id} aria-label={`Endpoint ${ep.url}`}>
      <div class="row">
        <strong class="mono">{ep.url}</strong>
        <span class={`status ${ep.enabled ? 'SUCCEEDED' : 'FAILED'}`}>{ep.enabled ? 'ENABLED' : 'DISABLED'}</span>
        <span class="muted">{ep.enabled ? 'enabled' : `disabled${ep.disabledReason ? `: ${ep.disabledReason}` : ''}`}</span>
        <span class="muted">
          created <Time iso={ep.createdAt} />
        </span>
      </div>
      {ep.description ? <p>{ep.description}</p> : null}
      <EventTypes value={types} onChange={setTypes} idPrefix={`types-${ep.id}`} />
      <div class="row">
        <button onClick={() => run(() => client.request(UPDATE, { id: ep.id, input: { eventTypes: types.length ? types : EVENT_TYPES } }).then(() => 'Event types saved.'))}>Save event types</button>
        <button onClick={() => run(() => client.request(UPDATE, { id: ep.id, input: { enabled: !ep.enabled } }).then(() => (ep.enabled ? 'Disabled.' : 'Enabled.')))}>
          {ep.enabled ? 'Disable' : 'Enable'}
        </button>
        <button onClick={() => run(() => client.request(TEST, { id: ep.id }).then(() => 'Test event sent.'))}>Send test</button>
        <button
          onClick={() =>
            run(async () => {
              const data = await client.request<{ rotateWebhookEndpointSecret: { secret: string } }>(ROTATE, { id: ep.id });
              showSecret(data.rotateWebhookEndpointSecret.secret);
              return 'Secret rotated; the old one signs too until its grace period ends.';
            })
          }
        >
          Rotate secret
        </button>
        <button class="danger" onClick={() => confirm(`Delete the endpoint ${ep.url}?`) && run(() => client.request(DELETE, { id: ep.id }).then(() => 'Deleted.'))}>
          Delete
        </button>
      </div>
      <div class="row" style={{ marginTop: '8px' }}>
        <label for={`since-${ep.id}`} style={{ margin: 0 }}>
          Recover failed deliveries since
        </label>
        <input id={`since-${ep.id}`} type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        <button
          onClick={() =>
            run(async () => {
              const data = await client.request<{ recoverWebhookDeliveries: { count: number } }>(RECOVER, { id: ep.id, since: new Date(since).toISOString() });
              return `${data.recoverWebhookDeliveries.count} deliveries redelivered.`;
            })
          }
        >
          Recover
        </button>
      </div>
      {note ? (
        <div class="notice ok" role="status">
          {note}
        </div>
      ) : null}
      <ErrorNotice error={error} />
      <h3>Deliveries ({ep.deliveries.totalCount})</h3>
      <DeliveriesTable deliveries={ep.deliveries.edges.map((e) => e.node)} onChanged={reload} />
    </article>
  );
}

export function WebhooksPage() {
  const client = useClient();
  const list = useQuery<{ webhookEndpoints: Endpoint[] }>(ENDPOINTS);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<ClientError | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const input = { url, ...(description ? { description } : {}), ...(types.length ? { eventTypes: types } : {}) };
      const data = await client.request<{ createWebhookEndpoint: { secret: string } }>(CREATE, { input });
      setSecret(data.createWebhookEndpoint.secret);
      setUrl('');
      setDescription('');
      list.reload();
    } catch (err) {
      setError(err as ClientError);
    }
  };
  return (
    <div>
      <h1>Webhooks</h1>
      {secret ? <SecretOnce secret={secret} onClose={() => setSecret(null)} /> : null}
      <form onSubmit={create} class="card">
        <h2 style={{ marginTop: 0 }}>New endpoint</h2>
        <label for="ep-url">URL</label>
        <input id="ep-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} style={{ width: '100%' }} />
        {error?.path?.includes('url') ? (
          <p class="field-error" role="alert">
            {error.message}
          </p>
        ) : null}
        <label for="ep-description">Description</label>
        <input id="ep-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} style={{ width: '100%' }} />
        <EventTypes value={types} onChange={setTypes} idPrefix="new" />
        {error && !error.path?.includes('url') ? <ErrorNotice error={error} /> : null}
        <p>
          <button class="primary" type="submit">
            Create endpoint
          </button>
        </p>
      </form>
      <div class="row">
        <h2>Endpoints</h2>
        <button onClick={list.reload}>Refresh</button>
      </div>
      <ErrorNotice error={list.error} />
      {(list.data?.webhookEndpoints ?? []).map((ep) => (
        <EndpointCard key={ep.id} ep={ep} reload={list.reload} showSecret={setSecret} />
      ))}
      {list.data && list.data.webhookEndpoints.length === 0 ? <p class="muted">No endpoints yet.</p> : null}
    </div>
  );
}
