/**
 * Fetches a file a job names by URL, in the worker: through the webhooks' address guard at
 * connect time (no loopback, private or other non-public address, on the addresses the
 * socket really uses), https only, redirects followed by hand (at most MAX_REDIRECTS, each
 * one checked like the first and connected through the same guard), within one deadline
 * for the whole fetch, and at most FILE_MAX_BYTES read. FILE_ALLOW_PRIVATE_URLS lifts the
 * address and scheme rules (development and tests). Never throws: a failure is an outcome
 * with the code the job fails with.
 */
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { isForbiddenAddress } from '../webhooks/address-guard.js';
import { BlockedAddressError, guardedConnector, rootCause } from '../webhooks/guarded-connector.js';
import type { FileReadFailureCode } from '../jobs/index.js';

export const MAX_REDIRECTS = 5;

export interface UrlFetchOptions {
  /** FILE_ALLOW_PRIVATE_URLS: http and non-public addresses allowed. */
  allowPrivate: boolean;
  /** FILE_FETCH_TIMEOUT_MS: the whole fetch, redirects and body included. */
  timeoutMs: number;
  /** FILE_MAX_BYTES. */
  maxBytes: number;
  /** How host names are resolved at connect time; for tests. @defaultValue dns.lookup */
  lookup?: LookupFunction;
}

export type Fetched = { ok: true; bytes: Buffer; name: string } | { ok: false; code: FileReadFailureCode; message: string; retryable: boolean };

export interface UrlFetcher {
  /** Why the URL can never be fetched (scheme, shape, a refused IP literal), or null; no network. */
  problem(url: string): string | null;
  fetch(url: string, signal: AbortSignal): Promise<Fetched>;
  close(): Promise<void>;
}

/** A URL as messages show it: no query or fragment (a signed URL carries its credentials there). */
export function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The file's name: the URL's last path segment, else its host. */
export function nameFromUrl(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).at(-1);
  if (!last) return url.hostname;
  try {
    return decodeURIComponent(last).slice(0, 255);
  } catch {
    return last.slice(0, 255);
  }
}

export function createUrlFetcher(options: UrlFetchOptions): UrlFetcher {
  const { allowPrivate, timeoutMs, maxBytes } = options;
  const agent = new Agent({
    connect: guardedConnector({ allowPrivate, timeoutMs, lookup: options.lookup }),
    headersTimeout: timeoutMs + 1_000,
    bodyTimeout: timeoutMs + 1_000,
  });

  function problem(url: string): string | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'is not a valid absolute URL';
    }
    const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(parsed.protocol)) return `scheme ${parsed.protocol.replace(/:$/, '')} is not allowed; use https${allowPrivate ? ' or http' : ''}`;
    if (parsed.username !== '' || parsed.password !== '') return 'credentials in the URL are not allowed';
    if (parsed.hostname === '') return 'the URL has no host';
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) return `address ${host} is not public; loopback, private and link-local addresses are refused`;
    return null;
  }

  async function fetch(url: string, signal: AbortSignal): Promise<Fetched> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const both = AbortSignal.any([signal, deadline]);
    let current = new URL(url);
    try {
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const refused = problem(current.href);
        if (refused) return failure('INVALID_INPUT', `${hop === 0 ? 'the URL' : `a redirect to ${shownUrl(current)}`}: ${refused}`);
        const response = await request(current, { dispatcher: agent, method: 'GET', headers: { 'user-agent': 'ai-jobs-files/1', accept: '*/*' }, signal: both });
        const { statusCode } = response;
        const location = header(response.headers.location);
        if (statusCode >= 300 && statusCode < 400 && location) {
          await response.body.dump();
          current = new URL(location, current);
          continue;
        }
        if (statusCode < 200 || statusCode >= 300) {
          await response.body.dump();
          // A server's trouble or a rate limit may pass; a 404 or 403 will not.
          const passing = statusCode === 408 || statusCode === 425 || statusCode === 429 || statusCode >= 500;
          return failure(passing ? 'NETWORK' : 'INVALID_INPUT', `${shownUrl(current)} answered ${statusCode}`, passing);
        }
        const declared = Number(header(response.headers['content-length']) ?? NaN);
        if (declared > maxBytes) {
          response.body.destroy();
          return tooLarge(current, declared);
        }
        const bytes = await readUpTo(response.body, maxBytes);
        if (bytes === null) return tooLarge(current);
        return { ok: true, bytes, name: nameFromUrl(current) };
      }
      return failure('INVALID_INPUT', `${shownUrl(new URL(url))}: more than ${MAX_REDIRECTS} redirects`);
    } catch (err) {
      if (deadline.aborted) return failure('TIMEOUT', `fetching ${shownUrl(current)} took longer than FILE_FETCH_TIMEOUT_MS (${timeoutMs} ms)`, true);
      if (signal.aborted) throw signal.reason;
      const cause = rootCause(err);
      if (cause instanceof BlockedAddressError) return failure('INVALID_INPUT', `${shownUrl(current)}: ${cause.message}; loopback, private and link-local addresses are refused`);
      const code = (cause as NodeJS.ErrnoException | null)?.code;
      return failure('NETWORK', `fetching ${shownUrl(current)} failed (${code ?? (cause instanceof Error ? cause.message : String(cause))})`, true);
    }
  }

  function tooLarge(url: URL, declared?: number): Fetched {
    return failure('INVALID_INPUT', `${shownUrl(url)} is larger than FILE_MAX_BYTES (${maxBytes} bytes)${declared !== undefined ? `: ${declared} bytes` : ''}`);
  }

  return { problem, fetch, close: () => agent.close() };
}

const failure = (code: FileReadFailureCode, message: string, retryable = false): Fetched => ({ ok: false, code, message, retryable });

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The whole body, or null (and the stream destroyed) once it passes `maxBytes`. */
async function readUpTo(body: Readable, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
