/** Sign-in: paste an API key (or an access token); it is checked, then kept in sessionStorage. */
import { useState } from 'preact/hooks';
import { createJobsClient, type ClientError } from '../../client/index.js';
import { ErrorNotice } from '../ui/bits.js';

export function SignIn({ onSignedIn, problem }: { onSignedIn: (key: string) => void; problem?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ClientError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const probe = createJobsClient({ url: `${location.origin}/graphql`, token: key.trim() });
    try {
      await probe.request('query { jobKinds { name } }');
      onSignedIn(key.trim());
    } catch (err) {
      setError(err as ClientError);
    } finally {
      setBusy(false);
      void probe.dispose();
    }
  };
  return (
    <main>
      <h1>Sign in</h1>
      {problem ? <div class="notice error">{problem}</div> : null}
      <form onSubmit={submit} class="card" style={{ maxWidth: '560px' }}>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} style={{ width: '100%' }} />
        <p class="muted">Kept in this tab only (sessionStorage) and sent as the bearer of every request.</p>
        <ErrorNotice error={error} />
        <button class="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
