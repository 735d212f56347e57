/** The shell: navigation, live/reconnecting state, sign-out, and the page for the route. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ClientContext, newClient, useConnectionState } from './api.js';
import { BatchesPage, BatchPage } from './pages/batches-page.js';
import { JobPage } from './pages/job-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { ReviewsPage } from './pages/reviews-page.js';
import { SchedulesPage } from './pages/schedules-page.js';
import { SignIn } from './pages/sign-in.js';
import { SubmitPage } from './pages/submit-page.js';
import { UsagePage } from './pages/usage-page.js';
import { WebhooksPage } from './pages/webhooks-page.js';
import { href, useRoute, type Route } from './router.js';
import { forgetKey, storedKey, storeKey, takeKeyFromFragment } from './session.js';

const NAV: Array<[string, string]> = [
  ['jobs', 'Jobs'],
  ['batches', 'Batches'],
  ['reviews', 'Reviews'],
  ['schedules', 'Schedules'],
  ['submit', 'Submit'],
  ['webhooks', 'Webhooks'],
  ['usage', 'Usage'],
];

const CONNECTION_TEXT = { idle: 'idle', connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

function Connection() {
  const state = useConnectionState();
  return (
    <span class={`conn ${state}`} role="status" aria-live="polite" data-testid="connection" data-state={state}>
      {CONNECTION_TEXT[state]}
    </span>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'jobs':
      return route.id ? <JobPage id={route.id} /> : <JobsPage query={route.query} />;
    case 'batches':
      return route.id ? <BatchPage id={route.id} /> : <BatchesPage />;
    case 'reviews':
      return <ReviewsPage />;
    case 'schedules':
      return <SchedulesPage />;
    case 'submit':
      return <SubmitPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'usage':
      return <UsagePage />;
    default:
      return <div class="notice error">No page {route.page}.</div>;
  }
}

export function App() {
  const [key, setKey] = useState<string | null>(storedKey());
  const client = useMemo(() => (key ? newClient(key) : null), [key]);
  const route = useRoute();
  useEffect(() => () => void client?.dispose(), [client]);
  // A #key= link opened in a tab that already shows the console changes only the fragment.
  useEffect(() => {
    const onHash = () => {
      const k = takeKeyFromFragment();
      if (k) setKey(k);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${route.page[0]!.toUpperCase()}${route.page.slice(1)} · AI jobs console`;
  }, [route.page]);
  if (!client) {
    return (
      <SignIn
        onSignedIn={(k) => {
          storeKey(k);
          setKey(k);
          if (!location.hash.startsWith('#/')) location.hash = '#/jobs';
        }}
      />
    );
  }
  return (
    <ClientContext.Provider value={client}>
      <header class="top">
        <a class="visually-hidden" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
          Skip to content
        </a>
        <span class="brand">AI jobs</span>
        <nav class="main" aria-label="Main">
          {NAV.map(([page, label]) => (
            <a key={page} href={href(page)} aria-current={route.page === page ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        <Connection />
        <button
          onClick={() => {
            forgetKey();
            setKey(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </ClientContext.Provider>
  );
}
