/** Hash routes (#/jobs/ID …): the server serves one page; the fragment never reaches it. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  id?: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  // A sign-in link (#key=…) lands on the jobs; session.ts takes the key out of the address.
  if (hash.startsWith('#key=')) return { page: 'jobs', query: new URLSearchParams() };
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = 'jobs', id] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page, id, query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const href = (page: string, id?: string, query?: Record<string, string | undefined>): string => {
  const q = new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => !!e[1])).toString();
  return `#/${page}${id ? '/' + encodeURIComponent(id) : ''}${q ? '?' + q : ''}`;
};
