/**
 * The signed-in key: kept in sessionStorage (this tab only), never in a URL the server
 * sees. `#key=…` in the address signs in once and is removed from the address at once.
 */
const STORAGE_KEY = 'aijobs.apiKey';

/** The key from a `#key=…` address, stored, with the address set to #/jobs; else null. */
export function takeKeyFromFragment(): string | null {
  const m = /^#key=([^&]+)/.exec(location.hash);
  if (!m) return null;
  const key = decodeURIComponent(m[1]!);
  sessionStorage.setItem(STORAGE_KEY, key);
  history.replaceState(null, '', location.pathname + location.search + '#/jobs');
  return key;
}

export const storedKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const storeKey = (key: string): void => sessionStorage.setItem(STORAGE_KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(STORAGE_KEY);
