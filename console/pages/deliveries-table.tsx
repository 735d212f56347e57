/** Webhook deliveries with their attempts, and Redeliver; used by the job and webhook pages. */
import { useState } from 'preact/hooks';
import { useClient } from '../api.js';
import { DELIVERY_FIELDS } from '../queries.js';
import { ErrorNotice, Status } from '../ui/bits.js';
import { duration, Time } from '../ui/time.js';

export interface Attempt {
  number: number;
  at: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

export interface Delivery {
  id: string;
  messageId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: Attempt[];
  endpoint?: { id: string; url: string };
}

const REDELIVER = `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { ${DELIVERY_FIELDS} } }`;

export function DeliveriesTable({ deliveries, onChanged }: { deliveries: Delivery[]; onChanged: () => void }) {
  const client = useClient();
  const [error, setError] = useState<Error | null>(null);
  const [note, setNote] = useState<string | null>(null);
  if (deliveries.length === 0) return <p class="muted">No deliveries.</p>;
  const redeliver = async (id: string) => {
    setError(null);
    try {
      await client.request(REDELIVER, { id });
      setNote('Redelivery queued.');
      onChanged();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div>
      <ErrorNotice error={error} />
      {note ? (
        <div class="notice ok" role="status">
          {note}
        </div>
      ) : null}
      <ul style={{ listStyle: 'none', padding: 0 }}>
        {deliveries.map((d) => (
          <li key={d.id} class="card" style={{ marginBottom: '8px' }} data-delivery-id={d.id}>
            <div class="row">
              <strong>{d.eventType}</strong> <Status value={d.status} />
              <span class="muted">
                {d.attemptCount} attempt{d.attemptCount === 1 ? '' : 's'} · created <Time iso={d.createdAt} />
                {d.nextAttemptAt ? (
                  <>
                    {' '}
                    · next attempt <Time iso={d.nextAttemptAt} showExact />
                  </>
                ) : null}
              </span>
              {d.endpoint ? <span class="mono muted">{d.endpoint.url}</span> : null}
              <span class="spacer" />
              <button onClick={() => redeliver(d.id)}>Redeliver</button>
            </div>
            <details>
              <summary>Attempts</summary>
              <table data-testid="attempts">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Status code</th>
                    <th>Duration</th>
                    <th>Error</th>
                    <th class="wide">Response</th>
                    <th class="wide">At</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attempts.map((a) => (
                    <tr key={a.number} data-attempt={a.number}>
                      <td>{a.number}</td>
                      <td>{a.statusCode ?? '—'}</td>
                      <td>{duration(a.durationMs)}</td>
                      <td>{a.error ?? ''}</td>
                      <td class="wide mono">{a.responseBody?.slice(0, 200) ?? ''}</td>
                      <td class="wide">
                        <Time iso={a.at} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}
