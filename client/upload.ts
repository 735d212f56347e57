/**
 * `POST /files` (beside the GraphQL endpoint): one multipart part named `file`. With an
 * `onProgress` listener and a browser's XMLHttpRequest it reports bytes sent as they go
 * (fetch cannot); otherwise it uses fetch. Errors are ClientErrors with the server's code
 * (PAYLOAD_TOO_LARGE, UNSUPPORTED_FILE, FORBIDDEN …), or NETWORK when no answer came.
 */
import { ClientError, type GraphQLErrorShape } from './client-error.js';
import type { UploadedFile } from './types.js';

export interface UploadOptions {
  /** The name stored with the file. @defaultValue the File's own name, else 'upload' */
  name?: string;
  /** Bytes sent so far of `total` (the whole multipart body). */
  onProgress?(sent: number, total: number): void;
  signal?: AbortSignal;
}

/** What is used of a browser's XMLHttpRequest (the client is also built without the DOM's types). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  readonly status: number;
  readonly responseText: string;
  abort(): void;
  send(body: FormData): void;
}

/** The upload endpoint beside a GraphQL URL: …/graphql → …/files. */
export const filesUrl = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql\/?$/, '/files');

function answer(status: number, text: string): UploadedFile {
  let body: (UploadedFile & { errors?: GraphQLErrorShape[] }) | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new ClientError(`HTTP ${status} without a JSON answer`, status >= 500 ? 'NETWORK' : 'INTERNAL_SERVER_ERROR');
  }
  if (status !== 201 || !body) throw ClientError.from(body?.errors ?? [{ message: `HTTP ${status}` }]);
  return body;
}

export async function uploadTo(url: string, token: string, file: Blob, options: UploadOptions = {}): Promise<UploadedFile> {
  const form = new FormData();
  form.append('file', file, options.name ?? (file as Blob & { name?: string }).name ?? 'upload');
  const XHR = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  if (options.onProgress && XHR) return withXhr(new XHR(), url, token, form, options);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    throw new ClientError(err instanceof Error ? err.message : 'upload failed', 'NETWORK');
  }
  return answer(res.status, await res.text());
}

function withXhr(xhr: Xhr, url: string, token: string, form: FormData, options: UploadOptions): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.lengthComputable ? e.total : e.loaded);
    xhr.onload = () => {
      try {
        resolve(answer(xhr.status, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    };
    xhr.onerror = () => reject(new ClientError('the upload did not reach the server', 'NETWORK'));
    xhr.onabort = () => reject(new ClientError('the upload was cancelled', 'NETWORK'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
